// Preview images (_i2d.jpg, _thumb.jpg) through the file route, with the token when one is set,
// so an exclusive program's preview shows to its holders and says "locked" to everyone else.
import { apiFetch, el, fileUrl, productUrl } from "./common.js";

/** Load one image file into an <img>; resolves to true when it decoded, false otherwise. */
async function load(img, name, onFail) {
  try {
    const blob = await (await apiFetch(fileUrl(name))).blob();
    img.src = URL.createObjectURL(blob);
    await img.decode();
    img.dataset.loaded = "true";
    return true;
  } catch (err) {
    img.dataset.loaded = "false";
    onFail(err.status === 401 || err.status === 403
      ? "Preview locked: exclusive access (enter a token on the basket page)."
      : `Preview could not be loaded (${err.message || err}).`);
    return false;
  }
}

/** Fill a <figure> with the best preview (PREVIEW before THUMBNAIL), or say there is none. */
export async function showPreview(figure, previews, what) {
  const held = previews.filter((p) => p.present);
  const best = held.find((p) => p.product_type === "PREVIEW") || held[0];
  if (!best) {
    const text = previews.length
      ? `The preview of this ${what} is catalogued but its file is not held here.`
      : `No preview image for this ${what}.`;
    figure.replaceChildren(el("figcaption", { class: "muted no-preview" }, text));
    figure.dataset.state = "none";
    return;
  }
  const img = el("img", { alt: `Preview of this ${what}: ${best.name}`, class: "preview-image" });
  const caption = el("figcaption", {}, el("a", { href: productUrl(best.name) }, best.name));
  figure.replaceChildren(el("a", { href: productUrl(best.name), "aria-label": `Open ${best.name}` }, img), caption);
  const ok = await load(img, best.name, (text) => caption.prepend(el("span", { class: "locked-note" }, text), " "));
  if (!ok) img.closest("a").remove();
  figure.dataset.state = ok ? "shown" : "failed";
}

/** Fill a list with member thumbnails, each a link to its exposure's observation page. */
export async function showStrip(section, list, thumbs, total, observationUrl) {
  if (!thumbs.length) return;
  section.hidden = false;
  const count = document.getElementById("thumbs-count");
  count.textContent = total > thumbs.length ? `${thumbs.length} of ${total}` : String(total);
  const jobs = thumbs.map((t) => {
    const img = el("img", { alt: t.obs_id || t.name, class: "thumb", loading: "eager" });
    const label = el("span", { class: "thumb-label" }, (t.obs_id || t.name).replace(/^jw\d{5}/, ""));
    list.append(el("li", {}, el("a", { href: observationUrl(t.obs_id || ""), title: t.name }, img, label)));
    const stand = (text) => img.replaceWith(el("span", { class: "thumb thumb-none", title: text }, text.startsWith("Preview locked") ? "locked" : "no image"));
    if (!t.present) { stand("The thumbnail's file is not held here."); return Promise.resolve(false); }
    return load(img, t.name, stand);
  });
  await Promise.all(jobs);
}
