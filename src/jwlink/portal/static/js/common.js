// Shared by every page: page data, API calls with the token, the basket, small DOM helpers.
// Plain ES modules, no build step, nothing from outside this origin.

const BASKET_KEY = "jwlink.basket";
const TOKEN_KEY = "jwlink.token";

let cachedPage = null;

/** The page data the server put in <script id="jwlink-page">. */
export function pageData() {
  if (cachedPage === null) {
    const node = document.getElementById("jwlink-page");
    cachedPage = node ? JSON.parse(node.textContent) : {};
  }
  return cachedPage;
}

export const base = () => pageData().base || "";
export const seg = (text) => encodeURIComponent(text);
export const productUrl = (name) => `${base()}/products/${seg(name)}`;
export const observationUrl = (id) => `${base()}/observations/${seg(id)}`;
export const lineageUrl = (name) => `${base()}/lineage/${seg(name)}`;
export const fileUrl = (name) => `${base()}/api/v1/files/${seg(name)}`;

/** Build a URL under /api/v1 from a path and [key, value] pairs. */
export function apiUrl(path, pairs = []) {
  const query = new URLSearchParams(pairs).toString();
  return `${base()}/api/v1/${path}${query ? "?" + query : ""}`;
}

// ---- token (sessionStorage: this tab only) ----
export function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch { return ""; }
}
export function setToken(value) {
  try {
    if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the token lives only in the field */ }
  whoamiPromise = null;
}
function authHeaders() {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Error from the API's envelope {"ok": false, "error": ..., "status": N}. */
export class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

/** Fetch a URL of this origin with the Bearer token; return the Response or throw ApiError. */
export async function apiFetch(url, options = {}) {
  const response = await fetch(url, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body && body.error) message = body.error;
    } catch { /* not JSON */ }
    throw new ApiError(message, response.status);
  }
  return response;
}

/** Fetch JSON from the native API. */
export async function api(url) {
  return (await apiFetch(url, { headers: { Accept: "application/json" } })).json();
}

let whoamiPromise = null;
/** Programs the current token grants ({anon, programs}); anonymous without a token. */
export function whoami() {
  if (whoamiPromise === null) {
    whoamiPromise = getToken()
      ? api(`${base()}/whoami`).catch(() => ({ anon: true }))
      : Promise.resolve({ anon: true });
  }
  return whoamiPromise;
}

const RESTRICTED = new Set(["EXCLUSIVE_ACCESS", "RESTRICTED", "PROPRIETARY"]);
/** Whether a product row (dataRights, proposal_id) is locked for the caller. */
export function isLocked(rights, program, who) {
  if (!RESTRICTED.has(String(rights || "PUBLIC").toUpperCase())) return false;
  if (!who || who.anon) return true;
  const programs = new Set((who.programs || []).map(String));
  if (programs.has("*")) return false;
  return !programs.has(String(program || "").padStart(5, "0"));
}

// ---- downloads that carry the token: fetch + blob ----
function filenameFrom(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const match = /filename="?([^";]+)"?/.exec(header);
  return match ? match[1] : fallback;
}

/** Download a URL through fetch (so the Bearer header is sent) and save it as a file. */
export async function downloadBlob(url, fallbackName) {
  const response = await apiFetch(url);
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = filenameFrom(response, fallbackName);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  return { name: link.download, size: blob.size };
}

// Single-file links: with a token set, fetch them so the header goes along.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.file-link");
  if (!link || !getToken()) return;
  event.preventDefault();
  downloadBlob(link.href, link.dataset.name || "download").catch((err) => alert(err.message));
});

// ---- basket (localStorage) ----
export function getBasket() {
  try {
    const stored = JSON.parse(localStorage.getItem(BASKET_KEY) || "{}");
    return { observations: stored.observations || [], products: stored.products || [] };
  } catch {
    return { observations: [], products: [] };
  }
}
function saveBasket(basket) {
  localStorage.setItem(BASKET_KEY, JSON.stringify(basket));
  document.dispatchEvent(new CustomEvent("jwlink:basket", { detail: basket }));
  showBasketCount();
}
/** Add an observation ("observations") or a product ("products") to the basket. */
export function addToBasket(what, id) {
  const basket = getBasket();
  if (!basket[what].includes(id)) basket[what].push(id);
  saveBasket(basket);
}
export function removeFromBasket(what, id) {
  const basket = getBasket();
  basket[what] = basket[what].filter((x) => x !== id);
  saveBasket(basket);
}
export function clearBasket() { saveBasket({ observations: [], products: [] }); }
export function inBasket(what, id) { return getBasket()[what].includes(id); }

export function showBasketCount() {
  const node = document.getElementById("basket-count");
  if (!node) return;
  const basket = getBasket();
  const count = basket.observations.length + basket.products.length;
  node.textContent = count ? `(${count})` : "";
}
window.addEventListener("storage", (event) => { if (event.key === BASKET_KEY) showBasketCount(); });

/** A button that adds an item to the basket and says so. */
export function basketButton(what, id, label = "Add") {
  const button = el("button", { type: "button", class: "add", "aria-label": `Add ${id} to the basket` });
  const refresh = () => {
    const held = inBasket(what, id);
    button.textContent = held ? "In basket" : label;
    button.disabled = held;
  };
  button.addEventListener("click", (event) => { event.stopPropagation(); addToBasket(what, id); refresh(); });
  refresh();
  return button;
}

// ---- DOM and formatting ----
/** Create an element: el("a", {href: "/"}, "text", child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const UNITS = ["B", "KB", "MB", "GB", "TB"];
export function formatSize(bytes) {
  if (bytes === null || bytes === undefined || bytes === "") return "—";
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) { value /= 1000; unit += 1; }
  return `${unit ? value.toFixed(value < 10 ? 2 : 1) : value} ${UNITS[unit]}`;
}

export function setJsonLink(url) {
  const link = document.getElementById("json-link");
  if (link) link.href = url;
}

export function showError(node, err) {
  node.replaceChildren(el("span", { class: "error", role: "alert" }, err.message || String(err)));
}

/** A pager: Previous, "page p of n", Next; onPage(p) is called on click. */
export function renderPager(nav, page, pageSize, total, onPage) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  nav.replaceChildren();
  if (pages <= 1) return;
  const button = (label, target, disabled) => {
    const b = el("button", { type: "button", disabled: disabled || null }, label);
    b.addEventListener("click", () => onPage(target));
    return b;
  };
  nav.append(
    button("← Previous", page - 1, page <= 1),
    el("span", { class: "page-of" }, ` page ${page} of ${pages} `),
    button("Next →", page + 1, page >= pages),
  );
}

showBasketCount();
