// Search page: fetch the JSON twin the server computed, draw a sortable table, page by URL.
import { api, basketButton, el, observationUrl, pageData, showError } from "./common.js";
import { makeSortable } from "./table.js";

const fmt = (value, digits) => (value === null || value === undefined ? "" :
  typeof value === "number" && digits !== undefined ? value.toFixed(digits) : String(value));

const COLUMNS = [
  ["calib_level"], ["proposal_id"], ["instrument_name"], ["filters"], ["target_name"],
  ["s_ra", 5], ["s_dec", 5], ["t_min", 4], ["t_exptime", 1], ["dataRights"],
];

function row(obs) {
  const href = observationUrl(obs.obs_id);
  const tr = el("tr", { tabindex: "0", "data-href": href, "data-obs-id": obs.obs_id },
    el("th", { scope: "row" }, el("a", { href, tabindex: "-1" }, obs.obs_id)),
    COLUMNS.map(([key, digits]) => el("td", { "data-key": key }, fmt(obs[key], digits))),
    el("td", {}, basketButton("observations", obs.obs_id)));
  tr._sort = obs;
  return tr;
}

function pageLink(page, label, current) {
  const params = new URLSearchParams(location.search);
  params.set("page", String(page));
  return el("a", { href: `?${params}`, "aria-current": current ? "page" : null }, label);
}

function renderPager(nav, page, pageSize, total) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  nav.replaceChildren();
  if (pages <= 1) return;
  if (page > 1) nav.append(pageLink(page - 1, "← Previous"), " ");
  const first = Math.max(1, page - 4);
  for (let p = first; p <= Math.min(pages, first + 9); p += 1) nav.append(pageLink(p, String(p), p === page), " ");
  if (page < pages) nav.append(pageLink(page + 1, "Next →"));
}

function openRow(event) {
  const tr = event.target.closest("tr[data-href]");
  if (!tr || event.target.closest("button")) return;
  if (event.type === "click" || event.key === "Enter") {
    event.preventDefault();
    location.assign(tr.dataset.href);
  }
}

async function main() {
  const table = document.getElementById("results");
  const body = table.tBodies[0];
  const count = document.getElementById("result-count");
  makeSortable(table);
  body.addEventListener("click", openRow);
  body.addEventListener("keydown", openRow);
  try {
    const result = await api(pageData().json_url);
    const rows = result.observations.map(row);
    body.replaceChildren(...rows);
    const start = result.total ? (result.page - 1) * result.page_size + 1 : 0;
    const end = (result.page - 1) * result.page_size + rows.length;
    const levels = {};
    for (const o of result.observations) levels[o.calib_level] = (levels[o.calib_level] || 0) + 1;
    const byLevel = Object.entries(levels).map(([l, n]) => `L${l}: ${n}`).join(", ");
    count.textContent = result.total
      ? `${result.total} observation${result.total === 1 ? "" : "s"} match; showing ${start}–${end}` +
        (byLevel ? ` (${byLevel}). Sorting a column sorts this page.` : "")
      : "No observation matches.";
    count.dataset.total = String(result.total);
    renderPager(document.getElementById("pager"), result.page, result.page_size, result.total);
  } catch (err) {
    showError(count, err);
  }
}

main();
