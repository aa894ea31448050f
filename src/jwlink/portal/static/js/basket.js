// Basket page: the selection, its manifest (sizes, locks, checksums) and token-aware downloads.
import {
  addToBasket, api, apiUrl, clearBasket, downloadBlob, el, formatSize, getBasket, getToken,
  observationUrl, productUrl, removeFromBasket, setJsonLink, setToken, showError,
} from "./common.js";

const STATUS_TEXT = {
  OK: "ready",
  NOT_AUTHORIZED: "locked — exclusive access, token needed",
  NOT_HELD: "not held by this archive",
};

function selection() {
  const basket = getBasket();
  const pairs = basket.observations.map((id) => ["obs_id", id]).concat(basket.products.map((n) => ["name", n]));
  pairs.push(["mrp", document.getElementById("basket-mrp").checked ? "true" : "false"]);
  return { pairs, empty: basket.observations.length + basket.products.length === 0 };
}

function drawItems() {
  const basket = getBasket();
  const item = (what, id, href, label) => {
    const remove = el("button", { type: "button", "aria-label": `Remove ${id} from the basket` }, "Remove");
    remove.addEventListener("click", () => removeFromBasket(what, id));
    return el("li", { "data-what": what, "data-id": id }, el("span", { class: "badge" }, label), " ", el("a", { href }, id), " ", remove);
  };
  const items = [
    ...basket.observations.map((id) => item("observations", id, observationUrl(id), "observation")),
    ...basket.products.map((name) => item("products", name, productUrl(name), "product")),
  ];
  document.getElementById("basket-items").replaceChildren(...items);
  document.getElementById("basket-empty").hidden = items.length > 0;
  document.getElementById("basket-clear").hidden = items.length === 0;
}

let sequence = 0;
async function drawManifest() {
  const summary = document.getElementById("basket-summary");
  const body = document.querySelector("#basket-files tbody");
  const { pairs, empty } = selection();
  const url = apiUrl("manifest.json", pairs);
  setJsonLink(url);
  document.getElementById("download-button").disabled = empty;
  if (empty) { summary.textContent = ""; body.replaceChildren(); return; }
  const mine = ++sequence;
  summary.textContent = "Resolving the selection…";
  try {
    const manifest = await api(url);
    if (mine !== sequence) return;
    const count = (status) => manifest.files.filter((f) => f.status === status).length;
    const all = manifest.files.reduce((s, f) => s + (f.size || 0), 0);
    const locked = count("NOT_AUTHORIZED");
    const missing = count("NOT_HELD");
    summary.textContent = `${manifest.count} files; ${formatSize(manifest.size)} to download (${count("OK")} files)` +
      (locked ? `; ${locked} locked (exclusive access${getToken() ? ", not granted by this token" : ": enter a token"})` : "") +
      (missing ? `; ${missing} not held` : "") + `; ${formatSize(all)} in all.`;
    summary.dataset.size = String(manifest.size);
    body.replaceChildren(...manifest.files.map((f) => el("tr", { "data-status": f.status, class: f.status === "NOT_AUTHORIZED" ? "locked" : "" },
      el("td", {}, el("a", { href: productUrl(f.name) }, f.path || f.name)),
      el("td", { class: "num" }, formatSize(f.size)),
      el("td", {}, STATUS_TEXT[f.status] || f.status),
      el("td", {}, f.sha256 ? el("code", { class: "sum", title: f.sha256 }, f.sha256.slice(0, 16) + "…") : "—"))));
    document.body.dataset.manifestReady = "true";
  } catch (err) {
    if (mine === sequence) showError(summary, err);
  }
}

async function download(event) {
  event.preventDefault();
  const status = document.getElementById("download-status");
  const format = new FormData(event.target).get("format");
  const { pairs, empty } = selection();
  if (empty) return;
  const path = format.startsWith("manifest") ? format : `bundle.${format}`;
  status.textContent = "Preparing the download…";
  try {
    const saved = await downloadBlob(apiUrl(path, pairs), `jwlink_basket.${format.replace("manifest.", "")}`);
    status.textContent = `Saved ${saved.name} (${formatSize(saved.size)}).`;
  } catch (err) {
    showError(status, err);
  }
}

function main() {
  // A shared link /basket?obs_id=...&name=... fills the basket.
  const params = new URLSearchParams(location.search);
  for (const id of params.getAll("obs_id")) addToBasket("observations", id);
  for (const name of params.getAll("name")) addToBasket("products", name);
  if (params.get("mrp") === "false") document.getElementById("basket-mrp").checked = false;
  const token = document.getElementById("token");
  token.value = getToken();
  token.addEventListener("change", () => { setToken(token.value.trim()); drawManifest(); });
  document.getElementById("basket-mrp").addEventListener("change", drawManifest);
  document.getElementById("basket-clear").addEventListener("click", clearBasket);
  document.getElementById("download-form").addEventListener("submit", download);
  document.addEventListener("jwlink:basket", () => { drawItems(); drawManifest(); });
  drawItems();
  drawManifest();
}

main();
