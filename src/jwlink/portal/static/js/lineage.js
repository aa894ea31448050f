// Lineage page: fetch the JSON twin, draw the picture, collapse big columns, offer the SVG.
import { api, el, observationUrl, pageData, productUrl, showError } from "./common.js";
import { buildModel, layout, toSvg } from "./graph.js";

const data = pageData();
const settings = data.graph;
const expanded = new Set();
let doc = null;
let downloadUrl = null;

function legend(model) {
  const counts = {};
  for (const e of model.edges) counts[e.kind] = (counts[e.kind] || 0) + e.count;
  const items = Object.entries(settings.kinds).map(([kind, colour]) => el("li", { class: `kind-${kind}` },
    el("span", { class: "swatch", "data-colour": colour }), `${kind} `, el("span", { class: "muted" }, `(${counts[kind] || 0})`)));
  const list = el("ul", { class: "legend-list", "aria-label": "Edge colours by relationship kind" }, items);
  // Swatch colours come from page data; CSSOM styles are allowed by the page's CSP.
  for (const swatch of list.querySelectorAll(".swatch")) swatch.style.backgroundColor = swatch.dataset.colour;
  document.getElementById("legend").replaceChildren(el("strong", {}, "Edges: "), list,
    el("span", { class: "muted" }, "Dashed boxes: products named by evidence but missing. Stacked boxes: groups — activate to expand."));
}

function draw() {
  const collapse = document.getElementById("g-collapse").checked;
  const model = layout(buildModel(doc, settings, { collapse, expanded }));
  const title = `Linkage of ${data.name}`;
  const container = document.getElementById("graph");
  container.innerHTML = toSvg(model, { hrefOf: (node) => productUrl(node.name), title });
  const standalone = toSvg(model, { hrefOf: (node) => location.origin + productUrl(node.name), title, standalone: true });
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = URL.createObjectURL(new Blob([standalone], { type: "image/svg+xml" }));
  const link = document.getElementById("svg-download");
  link.href = downloadUrl;
  link.download = `lineage_${data.name.replace(/[^A-Za-z0-9._-]+/g, "_")}.svg`;
  legend(model);
  const groups = model.items.filter((it) => !it.node).length;
  const status = document.getElementById("graph-status");
  status.textContent = `${doc.nodes.length} products and ${doc.edges.length} links` +
    (model.grouped ? `; drawn as ${model.items.length} boxes (${groups} groups) and ${model.edges.length} connections.` : ".") +
    (doc.observations && doc.observations.length ? ` ${doc.observations.length} observations involved.` : "");
  status.dataset.nodes = String(doc.nodes.length);
  status.dataset.edges = String(doc.edges.length);
  observations();
  document.body.dataset.graphReady = "true";
}

// The observations the graph touches, as links (the first 60).
function observations() {
  const list = doc.observations || [];
  const shown = list.slice(0, 60).map((id) => el("li", {}, el("a", { href: observationUrl(id) }, id)));
  const more = list.length > shown.length ? el("p", { class: "muted" }, `… and ${list.length - shown.length} more.`) : "";
  document.getElementById("graph-observations").replaceChildren(
    el("h2", {}, `Observations (${list.length})`), el("ul", { class: "columns" }, shown), more);
}

function onGraphClick(event) {
  const group = event.target.closest && event.target.closest("g.group");
  if (!group) return;
  event.preventDefault();
  expanded.add(group.dataset.group);
  draw();
}

async function main() {
  document.getElementById("collapse-at").textContent = String(settings.collapse_at);
  document.getElementById("g-collapse").addEventListener("change", draw);
  document.getElementById("graph").addEventListener("click", onGraphClick);
  const status = document.getElementById("graph-status");
  try {
    doc = await api(data.json_url);
    if (!doc.nodes.length) {
      status.textContent = "No linked products.";
      return;
    }
    draw();
  } catch (err) {
    showError(status, err);
  }
}

main();
