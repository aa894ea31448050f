// The linkage picture, pure: lineage JSON -> columns, collapsed groups, layout -> SVG text.
// No DOM here, so the same text is drawn in the page and saved as a standalone .svg.

export const SVG_NS = "http://www.w3.org/2000/svg"; // an XML namespace name, never fetched

const NODE_W = 232;
const NODE_H = 22;
const GAP = 6;
const COL_STEP = 292;
const TOP = 52;
const MARGIN = 16;
const LEGEND_H = 28;

/** The column of a lineage node: "anc", "1b", "2a", "2b", "2c" or "3". */
export function columnOf(node, settings) {
  const level = node.calib_level;
  if (level === null || level === undefined || settings.ancillary_types.includes(node.product_type)) return "anc";
  if (level >= 3) return "3";
  if (level <= 1) return "1b";
  return settings.suffix_levels[node.suffix] || "2b";
}

/** What a collapsed group of a column is called: "_cal", "_cal preview", "reference files". */
export function groupLabel(node) {
  const type = node.product_type || "";
  if (type === "REFERENCE") return "reference files";
  const suffix = node.suffix ? `_${node.suffix}` : type.toLowerCase();
  return type && !["SCIENCE", "INFO", "REFERENCE"].includes(type) ? `${suffix} ${type.toLowerCase()}` : suffix;
}

/**
 * Turn lineage nodes and edges into drawable items.
 * A column with more than settings.collapse_at nodes is drawn as groups of nodes that share
 * a label (unless options.collapse is false); the root and groups in options.expanded stay apart.
 */
export function buildModel(doc, settings, options = {}) {
  const collapse = options.collapse !== false;
  const expanded = options.expanded || new Set();
  const columns = new Map(settings.columns.map(([key]) => [key, []]));
  for (const node of doc.nodes) columns.get(columnOf(node, settings)).push(node);
  const items = [];
  const itemOf = new Map();
  let grouped = false;
  for (const [col, nodes] of columns) {
    nodes.sort((a, b) => (a.obs_id || "").localeCompare(b.obs_id || "") || a.name.localeCompare(b.name));
    const groups = new Map();
    const big = collapse && nodes.length > settings.collapse_at;
    for (const node of nodes) {
      const key = `${col}|${groupLabel(node)}`;
      if (big && node.name !== doc.root && !expanded.has(key)) {
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(node);
      } else {
        groups.set(`node|${node.name}`, [node]);
      }
    }
    for (const [key, members] of groups) {
      const single = members.length === 1;
      const item = single
        ? { id: members[0].name, col, node: members[0], count: 1, label: members[0].name }
        : { id: `group:${key}`, col, key, count: members.length, label: `${members.length} × ${groupLabel(members[0])}`,
            missing: members.filter((m) => !m.present).length, names: members.map((m) => m.name) };
      grouped ||= !single;
      items.push(item);
      for (const m of members) itemOf.set(m.name, item);
    }
  }
  const edges = [];
  const merged = new Map();
  let skipped = 0;
  for (const edge of doc.edges) {
    const source = itemOf.get(edge.source);
    const target = itemOf.get(edge.target);
    if (!source || !target) { skipped += 1; continue; }
    if (!grouped) { edges.push({ source, target, kind: edge.kind, role: edge.role, count: 1 }); continue; }
    if (source === target) continue;
    const key = `${source.id}\u0000${target.id}\u0000${edge.kind}`;
    const found = merged.get(key);
    if (found) { found.count += 1; if (found.role !== edge.role) found.role = "several roles"; }
    else { const e = { source, target, kind: edge.kind, role: edge.role, count: 1 }; merged.set(key, e); edges.push(e); }
  }
  return { root: doc.root, items, edges, grouped, skipped, settings };
}

// Order each column by the mean position of its neighbours (two sweeps), to cut crossings.
function order(columns, edges) {
  const neighbours = new Map();
  for (const e of edges) {
    if (!neighbours.has(e.source)) neighbours.set(e.source, []);
    if (!neighbours.has(e.target)) neighbours.set(e.target, []);
    neighbours.get(e.source).push(e.target);
    neighbours.get(e.target).push(e.source);
  }
  const position = new Map();
  columns.forEach((col) => col.forEach((item, i) => position.set(item, i)));
  const sweep = (col, ci, left) => {
    const score = new Map();
    for (const item of col) {
      const around = (neighbours.get(item) || []).filter((n) => (left ? n.ci < ci : n.ci > ci));
      score.set(item, around.length ? around.reduce((s, n) => s + position.get(n), 0) / around.length : position.get(item));
    }
    col.sort((a, b) => score.get(a) - score.get(b));
    col.forEach((item, i) => position.set(item, i));
  };
  for (let i = 1; i < columns.length; i += 1) sweep(columns[i], i, true);
  for (let i = columns.length - 2; i >= 0; i -= 1) sweep(columns[i], i, false);
}

/** Place items: non-empty columns left to right, items top to bottom. */
export function layout(model) {
  const used = model.settings.columns.filter(([key]) => model.items.some((it) => it.col === key));
  const columns = used.map(([key]) => model.items.filter((it) => it.col === key));
  columns.forEach((col, ci) => col.forEach((item) => { item.ci = ci; }));
  order(columns, model.edges);
  columns.forEach((col, ci) => col.forEach((item, i) => {
    item.x = MARGIN + ci * COL_STEP;
    item.y = TOP + i * (NODE_H + GAP);
  }));
  const tallest = Math.max(1, ...columns.map((c) => c.length));
  const width = MARGIN * 2 + Math.max(1, used.length - 1) * COL_STEP + NODE_W;
  const height = TOP + tallest * (NODE_H + GAP) + LEGEND_H + MARGIN;
  return { ...model, used, columns, width, height };
}

const esc = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function shorten(text, max = 34) {
  if (text.length <= max) return text;
  const half = Math.floor((max - 1) / 2);
  return `${text.slice(0, half)}…${text.slice(text.length - half)}`;
}

function edgePath(e) {
  const s = e.source;
  const t = e.target;
  const sy = s.y + NODE_H / 2;
  const ty = t.y + NODE_H / 2;
  if (s.ci === t.ci) {
    const x = s.x + NODE_W;
    const bend = 30 + Math.min(60, Math.abs(ty - sy) / 8);
    return `M${x} ${sy} C${x + bend} ${sy} ${x + bend} ${ty} ${x} ${ty}`;
  }
  const forward = s.ci < t.ci;
  const x1 = forward ? s.x + NODE_W : s.x;
  const x2 = forward ? t.x : t.x + NODE_W;
  const mid = (x1 + x2) / 2;
  return `M${x1} ${sy} C${mid} ${sy} ${mid} ${ty} ${x2} ${ty}`;
}

function nodeSvg(item, layoutModel, hrefOf) {
  const fills = layoutModel.settings.fills;
  const isRoot = item.node && item.node.name === layoutModel.root;
  const missing = item.node ? !item.node.present : item.missing > 0;
  const fill = item.node ? fills[item.col] : fills.group;
  const stroke = isRoot ? "#1d232b" : "#4f5b66";
  const dash = item.node && !item.node.present ? ' stroke-dasharray="4 3"' : "";
  const rects = item.node
    ? `<rect x="${item.x}" y="${item.y}" width="${NODE_W}" height="${NODE_H}" rx="4" fill="${fill}" stroke="${stroke}" stroke-width="${isRoot ? 2.5 : 1}"${dash}/>`
    : `<rect x="${item.x + 3}" y="${item.y + 3}" width="${NODE_W}" height="${NODE_H}" rx="4" fill="${fills[item.col]}" stroke="#4f5b66"/>` +
      `<rect x="${item.x}" y="${item.y}" width="${NODE_W}" height="${NODE_H}" rx="4" fill="${fill}" stroke="#4f5b66" stroke-width="1.5"/>`;
  const title = item.node
    ? `${item.node.name} — ${item.node.product_type || "?"}, level ${item.col}${missing ? ", missing" : ""}${item.node.obs_id ? `, observation ${item.node.obs_id}` : ""}`
    : `${item.label}${item.missing ? ` (${item.missing} missing)` : ""} — click to expand`;
  const label = item.node ? shorten(item.label) : item.label;
  const text = `<text x="${item.x + 8}" y="${item.y + 15}" fill="#1d232b"${item.node ? "" : ' font-weight="bold"'}>${esc(label)}</text>`;
  const attrs = item.node
    ? `class="node" data-name="${esc(item.node.name)}" data-level="${item.col}" data-present="${item.node.present}"`
    : `class="node group" data-group="${esc(item.key)}" data-count="${item.count}" data-level="${item.col}"`;
  const href = item.node ? hrefOf(item.node) : "#";
  return `<a href="${esc(href)}" aria-label="${esc(title)}"><g ${attrs}><title>${esc(title)}</title>${rects}${text}</g></a>`;
}

function legendSvg(model, y) {
  const kinds = Object.entries(model.settings.kinds);
  return kinds.map(([kind, colour], i) => {
    const x = MARGIN + i * 118;
    return `<g class="legend-item"><line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${colour}" stroke-width="3"/>` +
      `<text x="${x + 27}" y="${y + 4}" fill="${colour}">${kind}</text></g>`;
  }).join("");
}

/**
 * The SVG text of a laid-out graph.
 * options.hrefOf(node) gives a node's link; options.standalone adds the XML prologue.
 */
export function toSvg(model, options) {
  const width = Math.max(model.width, MARGIN * 2 + 8 * 118);
  const heads = model.used.map(([, label], ci) => {
    const count = model.columns[ci].reduce((s, it) => s + it.count, 0);
    return `<text class="column-head" x="${MARGIN + ci * COL_STEP}" y="${TOP - 18}" font-weight="bold" fill="#1d232b">${esc(label)} (${count})</text>`;
  }).join("");
  const edges = model.edges.map((e) => {
    const colour = model.settings.kinds[e.kind] || "#4f5b66";
    const widthPx = e.count > 1 ? Math.min(8, 1.2 + Math.log2(e.count)) : 1.2;
    const title = `${e.kind}${e.role ? ` (${e.role})` : ""}${e.count > 1 ? ` × ${e.count}` : ""}: ${e.source.label} → ${e.target.label}`;
    return `<path class="edge" data-kind="${esc(e.kind)}" data-count="${e.count}" d="${edgePath(e)}" fill="none" stroke="${colour}" stroke-width="${widthPx.toFixed(1)}" stroke-opacity="0.75"><title>${esc(title)}</title></path>`;
  }).join("");
  const nodes = model.items.map((it) => nodeSvg(it, model, options.hrefOf)).join("");
  const prologue = options.standalone ? '<?xml version="1.0" encoding="UTF-8"?>\n' : "";
  return `${prologue}<svg xmlns="${SVG_NS}" width="${width}" height="${model.height}" viewBox="0 0 ${width} ${model.height}" ` +
    `font-family="DejaVu Sans, Arial, sans-serif" font-size="11" role="group" aria-label="${esc(options.title || "Linkage graph")}">` +
    `<title>${esc(options.title || "Linkage graph")}</title>` +
    `<rect class="background" width="${width}" height="${model.height}" fill="#ffffff"/>` +
    `<g class="heads">${heads}</g><g class="edges">${edges}</g><g class="nodes">${nodes}</g>` +
    `<g class="legend">${legendSvg(model, model.height - LEGEND_H / 2 - MARGIN / 2)}</g></svg>`;
}
