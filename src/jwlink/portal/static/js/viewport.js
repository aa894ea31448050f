// Pan and zoom for an inline SVG by its viewBox: mouse wheel and drag, keyboard, touch.

const MIN_SCALE = 0.1;
const MAX_SCALE = 4;

/**
 * Make `container` (which holds one <svg> of natural size width × height) a pan-zoom view.
 * Returns {fit, zoom, pan, show(box), scale()}; show(box) brings a box (SVG units) into view.
 */
export function panZoom(container, width, height) {
  const svg = container.querySelector("svg");
  svg.setAttribute("width", "100%");
  svg.setAttribute("height", "100%");
  svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
  const view = { x: 0, y: 0, k: 1 };
  const size = () => ({ w: container.clientWidth || 1, h: container.clientHeight || 1 });
  const apply = () => {
    const { w, h } = size();
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${w / view.k} ${h / view.k}`);
    container.dataset.scale = view.k.toFixed(3);
  };
  const zoom = (factor, cx, cy) => {
    const { w, h } = size();
    const px = cx ?? w / 2;
    const py = cy ?? h / 2;
    const k = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.k * factor));
    // keep the point under the cursor (or the centre) where it is
    view.x += px / view.k - px / k;
    view.y += py / view.k - py / k;
    view.k = k;
    apply();
  };
  const pan = (dx, dy) => { view.x -= dx / view.k; view.y -= dy / view.k; apply(); };
  const fit = (minScale = MIN_SCALE) => {
    const { w, h } = size();
    view.k = Math.max(minScale, Math.min(1, w / width, h / height));
    view.x = 0;
    view.y = 0;
    apply();
  };
  const show = (box) => {
    const { w, h } = size();
    const vw = w / view.k;
    const vh = h / view.k;
    if (box.x < view.x || box.x + box.w > view.x + vw) view.x = Math.max(0, box.x + box.w - vw + 16);
    if (box.y < view.y || box.y + box.h > view.y + vh) view.y = Math.max(0, box.y + box.h / 2 - vh / 2);
    apply();
  };

  container.addEventListener("wheel", (event) => {
    event.preventDefault();
    const rect = container.getBoundingClientRect();
    zoom(Math.exp(-event.deltaY / 400), event.clientX - rect.left, event.clientY - rect.top);
  }, { passive: false });

  // Pointer events serve mouse, pen and touch alike; two touches pinch.
  const pointers = new Map();
  let moved = 0;
  container.addEventListener("pointerdown", (event) => {
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    moved = 0;
  });
  container.addEventListener("pointermove", (event) => {
    const last = pointers.get(event.pointerId);
    if (!last) return;
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const before = Math.hypot(a.x - b.x, a.y - b.y);
      last.x = event.clientX; last.y = event.clientY;
      const after = Math.hypot(a.x - b.x, a.y - b.y);
      const rect = container.getBoundingClientRect();
      if (before > 0) zoom(after / before, (a.x + b.x) / 2 - rect.left, (a.y + b.y) / 2 - rect.top);
      return;
    }
    const dx = event.clientX - last.x;
    const dy = event.clientY - last.y;
    moved += Math.abs(dx) + Math.abs(dy);
    if (moved > 4 && !container.hasPointerCapture(event.pointerId)) container.setPointerCapture(event.pointerId);
    last.x = event.clientX; last.y = event.clientY;
    if (moved > 4) pan(dx, dy);
  });
  const release = (event) => { pointers.delete(event.pointerId); };
  container.addEventListener("pointerup", release);
  container.addEventListener("pointercancel", release);
  // A drag is not a click on the node it ends over.
  container.addEventListener("click", (event) => {
    if (moved > 4) { event.preventDefault(); event.stopPropagation(); moved = 0; }
  }, true);

  container.addEventListener("keydown", (event) => {
    if (event.target !== container) return; // arrows on a focused node or edge keep their default
    const step = 60;
    const keys = {
      ArrowLeft: () => pan(step, 0), ArrowRight: () => pan(-step, 0),
      ArrowUp: () => pan(0, step), ArrowDown: () => pan(0, -step),
      "+": () => zoom(1.25), "=": () => zoom(1.25), "-": () => zoom(0.8), "0": () => fit(),
    };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  return { fit, zoom, pan, show, scale: () => view.k };
}
