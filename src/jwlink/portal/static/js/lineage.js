// Lineage page: fetch the JSON twin, draw the science chain, badges and groups on demand,
// pan and zoom, edge details on hover or focus, and the picture as a downloadable SVG.
import { api, el, observationUrl, pageData, productUrl, showError } from "./common.js";
import { buildModel, isRootNode, layout, toSvg } from "./graph.js";
import { panZoom } from "./viewport.js";

const data = pageData();
const settings = data.graph;
const expanded = new Set();
let doc = null;
let model = null;
let view = null;
let downloadUrl = null;

function legend(drawn) {
  const counts = {};
  for (const e of drawn.edges) counts[e.kind] = (counts[e.kind] || 0) + e.count;
  const items = Object.entries(settings.kinds).map(([kind, colour]) => el("li", { class: `kind-${kind}` },
    el("span", { class: "swatch", "data-colour": colour }), `${kind} `, el("span", { class: "muted" }, `(${counts[kind] || 0})`)));
  const list = el("ul", { class: "legend-list", "aria-label": "Edge colours by relationship kind" }, items);
  // Swatch colours come from page data; CSSOM styles are allowed by the page's CSP.
  for (const swatch of list.querySelectorAll(".swatch")) swatch.style.backgroundColor = swatch.dataset.colour;
  document.getElementById("legend").replaceChildren(el("strong", {}, "Edges drawn: "), list,
    el("span", { class: "muted" }, "Bold box: this page's product or observation. Dashed: named by evidence but missing. " +
      "Stacked: a group (visit, exposure); rounded dashed: ancillary products — activate either to open it."));
}

function status(drawn) {
  const node = document.getElementById("graph-status");
  const groups = drawn.items.filter((it) => it.kind !== "node").length;
  node.textContent = `${doc.nodes.length} products and ${doc.edges.length} links; drawn as ` +
    `${drawn.items.length} boxes (${groups} badges or groups) and ${drawn.edges.length} connections` +
    (drawn.hiddenEdges ? ` (${drawn.hiddenEdges} links to ancillary products behind their badges).` : ".") +
    (doc.observations && doc.observations.length ? ` ${doc.observations.length} observations involved.` : "");
  node.dataset.nodes = String(doc.nodes.length);
  node.dataset.edges = String(doc.edges.length);
}

function rootBox(drawn) {
  const roots = drawn.items.filter((it) => it.node && isRootNode(it.node, doc.root, settings));
  if (!roots.length) return null;
  const x = Math.min(...roots.map((r) => r.x));
  const y = Math.min(...roots.map((r) => r.y));
  return { x, y, w: Math.max(...roots.map((r) => r.x + r.w)) - x, h: Math.max(...roots.map((r) => r.y + 22)) - y };
}

function draw(keepView = false) {
  const started = performance.now();
  const collapse = document.getElementById("g-collapse").checked;
  model = layout(buildModel(doc, settings, { collapse, expanded }));
  const title = `Linkage of ${data.name}`;
  const container = document.getElementById("graph");
  const before = keepView && view ? view.scale() : null;
  container.innerHTML = toSvg(model, { hrefOf: (node) => productUrl(node.name), title });
  // A picture shorter than the view at its fitting scale gets a view no taller than itself.
  container.style.height = "";
  const k = Math.min(1, container.clientWidth / model.width, container.clientHeight / model.height);
  if (model.height * k + 4 < container.clientHeight) container.style.height = `${Math.max(240, Math.ceil(model.height * k) + 4)}px`;
  view = panZoom(container, model.width, model.height);
  view.fit(0.45);
  if (before !== null) view.zoom(before / view.scale());
  const box = rootBox(model);
  if (box) view.show(box);
  legend(model);
  status(model);
  observations();
  const drawn = performance.now() - started;
  document.body.dataset.drawMs = drawn.toFixed(1);
  if (!document.body.dataset.graphReady) performance.mark("jwlink:graph-drawn");
  document.body.dataset.graphReady = "true";
}

function downloadLink() {
  const title = `Linkage of ${data.name}`;
  const standalone = toSvg(model, { hrefOf: (node) => location.origin + productUrl(node.name), title, standalone: true });
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = URL.createObjectURL(new Blob([standalone], { type: "image/svg+xml" }));
  const link = document.getElementById("svg-download");
  link.href = downloadUrl;
  link.download = `lineage_${data.name.replace(/[^A-Za-z0-9._-]+/g, "_")}.svg`;
}

// The observations the graph touches, as links (the first 60).
function observations() {
  const list = doc.observations || [];
  const shown = list.slice(0, 60).map((id) => el("li", {}, el("a", { href: observationUrl(id) }, id)));
  const more = list.length > shown.length ? el("p", { class: "muted" }, `… and ${list.length - shown.length} more.`) : "";
  document.getElementById("graph-observations").replaceChildren(
    el("h2", {}, `Observations (${list.length})`), el("ul", { class: "columns" }, shown), more);
}

// ---- edge details: kind, role and evidence, all from the lineage JSON itself ----
function showEdge(group) {
  const e = model.edges[Number(group.dataset.edge)];
  const info = document.getElementById("edge-info");
  const name = (item) => (item.node ? item.node.name : item.label);
  const text = e.first.evidence || "not recorded";
  const evidence = el("code", { class: "evidence" }, text);
  info.replaceChildren(
    el("strong", { class: `kind kind-${e.kind}` }, e.kind), ` (role: ${e.role || "—"})`,
    e.count > 1 ? ` × ${e.count} links` : "", " from ", el("b", {}, name(e.source)),
    " to ", el("b", {}, name(e.target)), ` — evidence${e.count > 1 ? " of the first" : ""}: `, evidence);
  Object.assign(info.dataset, { kind: e.kind, role: e.role || "", source: e.first.source, target: e.first.target,
    evidence: text });
}

function onGraphEvent(event) {
  const edge = event.target.closest && event.target.closest("g.edge-g");
  if (edge && (event.type === "mouseover" || event.type === "focusin")) { showEdge(edge); return; }
  const box = event.type === "focusin" && event.target.closest && event.target.closest("a")?.querySelector("rect:last-of-type");
  if (box) {
    // Tabbing through the boxes brings each into view.
    const [x, y, w, h] = ["x", "y", "width", "height"].map((k) => Number(box.getAttribute(k)));
    view.show({ x, y, w, h });
    return;
  }
  if (event.type !== "click") return;
  // A click lands inside the box; Enter on its focused link lands on the link around it.
  const group = event.target.closest && (event.target.closest("g.group, g.badge") ||
    event.target.closest("a")?.querySelector(":scope > g.group, :scope > g.badge"));
  if (!group) return;
  event.preventDefault();
  expanded.add(group.dataset.group);
  draw(true);
  downloadLink();
}

function tools() {
  const zoomIn = document.getElementById("zoom-in");
  zoomIn.addEventListener("click", () => view.zoom(1.25));
  document.getElementById("zoom-out").addEventListener("click", () => view.zoom(0.8));
  document.getElementById("zoom-fit").addEventListener("click", () => view.fit());
  document.getElementById("zoom-root").addEventListener("click", () => {
    const box = rootBox(model);
    view.fit(0.45);
    if (box) view.show(box);
  });
  document.getElementById("g-reset").addEventListener("click", () => { expanded.clear(); draw(); downloadLink(); });
  document.getElementById("g-collapse").addEventListener("change", () => { draw(); downloadLink(); });
  window.addEventListener("resize", () => { if (model) draw(true); });
}

async function main() {
  document.getElementById("collapse-at").textContent = String(settings.collapse_at);
  const graph = document.getElementById("graph");
  for (const type of ["click", "mouseover", "focusin"]) graph.addEventListener(type, onGraphEvent);
  tools();
  const line = document.getElementById("graph-status");
  try {
    const fetched = performance.now();
    doc = await api(data.json_url);
    document.body.dataset.fetchMs = (performance.now() - fetched).toFixed(1);
    if (!doc.nodes.length) {
      line.textContent = "No linked products.";
      document.body.dataset.graphReady = "true";
      return;
    }
    draw();
    downloadLink();
  } catch (err) {
    showError(line, err);
  }
}

main();
