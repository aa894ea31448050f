// Observation page: products grouped by relationship kind, MRP checkbox, server-side paging.
import {
  api, apiUrl, basketButton, el, fileUrl, formatSize, isLocked, observationUrl, pageData,
  productUrl, renderPager, seg, showError, whoami,
} from "./common.js";
import { showPreview, showStrip } from "./previews.js";

const GROUP_TITLES = {
  own: "This observation's own products",
  prerequisite: "Prerequisite — target acquisition and confirmation",
  antecedent: "Antecedent — pipeline inputs",
  composition: "Composition — member exposures combined here",
  multiplicity: "Multiplicity — products derived per source",
  calibration: "Calibration — contemporaneous calibration exposures",
  aggregation: "Aggregation — ancillary products (guide star, intermediates)",
  linked: "Linked — previews, catalogs, related observations",
  contributing: "Contributing — reference files and engineering data",
};
const ANCILLARY = new Set(["AUXILIARY", "INFO", "PREVIEW", "THUMBNAIL", "REFERENCE", "ENGINEERING"]);

const state = { mrp: true, kind: "", page: 1, pageSize: 100, explain: null, rows: [] };
const data = pageData();

function productsUrl() {
  const pairs = [["page", state.page], ["page_size", state.pageSize]];
  if (state.mrp) pairs.push(["mrp", "true"]);
  if (state.kind) pairs.push(["kind", state.kind]);
  return apiUrl(`observations/${seg(data.obs_id)}/products`, pairs);
}

function whyText(name) {
  const e = state.explain && state.explain.get(name);
  return e ? `${e.mrp ? "Recommended" : "Not recommended"} (${e.rule}): ${e.why}` : "Reason loading…";
}

function flagCell(row, detailId) {
  const mrp = row.productGroupDescription === "Minimum Recommended Products";
  const flag = el("button", {
    type: "button", class: mrp ? "mrp-flag yes" : "mrp-flag no", "aria-expanded": "false",
    "aria-controls": detailId, title: whyText(row.productFilename),
  }, mrp ? "MRP" : "not MRP");
  flag.addEventListener("click", () => {
    const detail = document.getElementById(detailId);
    const open = flag.getAttribute("aria-expanded") !== "true";
    flag.setAttribute("aria-expanded", String(open));
    detail.hidden = !open;
    detail.cells[0].textContent = whyText(row.productFilename);
  });
  return el("td", {}, flag);
}

function rightsCell(row, who) {
  const rights = row.dataRights || "PUBLIC";
  if (isLocked(rights, row.proposal_id, who)) {
    return el("td", { class: "locked", title: "Exclusive access: enter a token in the basket" }, "locked (exclusive)");
  }
  return el("td", {}, rights === "PUBLIC" ? "public" : rights.toLowerCase().replace("_", " "));
}

function productRow(row, index, who) {
  const name = row.productFilename;
  const detailId = `why-${state.page}-${index}`;
  const ancillary = ANCILLARY.has(row.productType);
  const tr = el("tr", {
    class: "product", "data-name": name, "data-kind": row.kind || "own", "data-level": row.level || "",
    "data-type": row.productType, "data-ancillary": ancillary ? "true" : "false",
    "data-mrp": row.productGroupDescription ? "true" : "false",
  },
    el("th", { scope: "row" }, el("a", { href: productUrl(name) }, name),
      // A server run with a target CRDS context marks products its new references would change.
      row.stale === true ? [" ", el("span", { class: "badge stale", title: "Stale: the server's target CRDS context would recalibrate this product" }, "stale")] : ""),
    el("td", {}, row.level ? `L${row.level}` : "—"),
    el("td", {}, row.productType || ""),
    el("td", {}, row.role || ""),
    el("td", { class: "num", "data-bytes": row.size ?? "" }, formatSize(row.size)),
    el("td", {}, row.sha256 ? el("code", { class: "sum", title: row.sha256 }, row.sha256.slice(0, 12) + "…") : "—"),
    el("td", { class: row.present ? "present" : "missing" }, row.present ? "present" : "missing"),
    rightsCell(row, who),
    flagCell(row, detailId),
    el("td", {},
      row.present ? el("a", { href: fileUrl(name), class: "file-link", "data-name": name, "aria-label": `Download ${name}` }, "file") : "",
      " ", basketButton("products", name)),
  );
  const detail = el("tr", { id: detailId, class: "why", hidden: true }, el("td", { colspan: "10" }, ""));
  return [tr, detail];
}

function groupSection(kind, rows, who) {
  const id = `group-${kind}`;
  const table = el("table", { class: "data products", "aria-labelledby": `${id}-title` },
    el("thead", {}, el("tr", {},
      ["File", "Level", "Type", "Role", "Size", "SHA-256", "Status", "Rights", "MRP", "Get"]
        .map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows.flatMap((row, i) => productRow(row, `${kind}-${i}`, who))));
  return el("section", { class: "group", id, "data-kind": kind },
    el("h3", { id: `${id}-title` }, GROUP_TITLES[kind] || kind, " ",
      el("span", { class: "badge" }, String(rows.length))),
    el("div", { class: "table-wrap" }, table));
}

let latestRequest = 0;

async function loadProducts() {
  // Filters change faster than answers come back: only the newest request may draw.
  const request = ++latestRequest;
  const groups = document.getElementById("product-groups");
  const count = document.getElementById("product-count");
  const url = productsUrl();
  document.getElementById("products-json").href = url;
  count.textContent = "Loading products…";
  groups.dataset.mrp = "loading";
  try {
    const [result, who] = await Promise.all([api(url), whoami()]);
    if (request !== latestRequest) return;
    state.rows = result.products;
    const byKind = new Map([["own", []], ...data.kinds.map((k) => [k, []])]);
    for (const row of result.products) byKind.get(row.kind || "own")?.push(row);
    const sections = [...byKind].filter(([, rows]) => rows.length).map(([k, rows]) => groupSection(k, rows, who));
    groups.replaceChildren(...sections);
    const first = result.total ? (result.page - 1) * result.page_size + 1 : 0;
    const last = (result.page - 1) * result.page_size + result.products.length;
    const what = state.mrp ? "minimum recommended product" : "product";
    count.textContent = result.total
      ? `${result.total} ${what}${result.total === 1 ? "" : "s"}; showing ${first}–${last}, grouped by relationship.`
      : `No ${what}s${state.kind ? " of this kind" : ""}.`;
    count.dataset.total = String(result.total);
    renderPager(document.getElementById("product-pager"), result.page, result.page_size, result.total,
      (page) => { state.page = page; loadProducts(); });
    groups.dataset.mrp = String(state.mrp);
    groups.dataset.kind = state.kind;
    groups.dataset.page = String(result.page);
    groups.dataset.pageSize = String(result.page_size);
    if (!document.body.dataset.productsReady) performance.mark("jwlink:first-products");
    document.body.dataset.productsReady = "true";
  } catch (err) {
    showError(count, err);
  }
}

// The explanations are fetched once, after the first view, and fill the MRP tooltips.
async function loadExplain() {
  try {
    const result = await api(apiUrl(`mrp/${seg(data.obs_id)}`));
    state.explain = new Map(result.explain.map((e) => [e.name, e]));
    for (const flag of document.querySelectorAll("tr.product .mrp-flag")) {
      flag.title = whyText(flag.closest("tr").dataset.name);
    }
    document.body.dataset.explainReady = "true";
  } catch { /* tooltips keep saying "loading"; the list itself is complete */ }
}

async function showAllMembers(button) {
  button.disabled = true;
  button.textContent = "Loading…";
  const doc = await api(data.json_url);
  const rows = doc.observation.members.map((m) => el("tr", {},
    el("td", {}, el("a", { href: observationUrl(m.obs_id) }, m.obs_id)),
    el("td", {}, m.exptype || ""), el("td", { class: "muted" }, m.evidence || "")));
  document.querySelector("#member-table tbody").replaceChildren(...rows);
  button.remove();
}

function main() {
  const mrp = document.getElementById("mrp");
  mrp.addEventListener("change", () => { state.mrp = mrp.checked; state.page = 1; loadProducts(); });
  const kind = document.getElementById("kind-filter");
  kind.addEventListener("change", () => { state.kind = kind.value; state.page = 1; loadProducts(); });
  const size = document.getElementById("product-page-size");
  size.addEventListener("change", () => { state.pageSize = Number(size.value); state.page = 1; loadProducts(); });
  state.mrp = mrp.checked;
  state.pageSize = Number(size.value);
  document.getElementById("product-controls").addEventListener("submit", (e) => e.preventDefault());
  const add = document.getElementById("add-observation");
  add.replaceWith(Object.assign(basketButton("observations", data.obs_id, "Add observation to basket"), { id: "add-observation" }));
  const members = document.getElementById("members-all");
  if (members) members.addEventListener("click", () => showAllMembers(members));
  loadProducts().then(() => setTimeout(loadExplain, 0));
  Promise.all([
    showPreview(document.getElementById("preview"), data.previews || [], "observation"),
    showStrip(document.getElementById("member-thumbs"), document.getElementById("thumb-strip"),
      data.member_thumbnails || [], data.member_thumbnail_total || 0, observationUrl),
  ]).finally(() => { document.body.dataset.previewsReady = "true"; });
}

main();
