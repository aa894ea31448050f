// The linkage picture, pure: lineage JSON -> columns, badges, groups, layout -> SVG text.
// No DOM here, so the same text is drawn in the page and saved as a standalone .svg.
import { fieldsOf, labelsFor, scopeText, sharedFields } from "./labels.js";

export const SVG_NS = "http://www.w3.org/2000/svg"; // an XML namespace name, never fetched

const NODE_H = 22;
const GAP = 6;
const COL_GAP = 64;
const TOP = 52;
const MARGIN = 16;
const LEGEND_H = 28;
const CHAR_W = 6.6; // DejaVu Sans at 11 px, a little generous so no label overflows its box

export { isRootNode };

/** The column of a lineage node: "anc", "1b", "2a", "2b", "2c" or "3". */
export function columnOf(node, settings) {
  const level = node.calib_level;
  if (level === null || level === undefined) return "anc";
  if (level >= 3) return "3";
  if (level <= 1) return "1b";
  // An exposure's product of a Level 3 run (..._nrca1_o001_crf.fits) is Level 2c.
  if (/_[oc]\d{3,4}_[^_]+\.[a-z0-9.]+$/i.test(node.name)) return "2c";
  return settings.suffix_levels[node.suffix] || "2b";
}

/** "science", or the ancillary category that collapses into a column's badge. */
export function categoryOf(node, settings) {
  return settings.categories[node.product_type] || "science";
}

/** What a group of a column is called: "_cal", "_cal preview", "reference files". */
export function groupLabel(node) {
  const type = node.product_type || "";
  if (type === "REFERENCE") return "reference files";
  const suffix = node.suffix ? `_${node.suffix}` : type.toLowerCase();
  return type && !["SCIENCE", "INFO", "REFERENCE"].includes(type) ? `${suffix} ${type.toLowerCase()}` : suffix;
}

// Grouping keys, coarse to fine: a visit, then an exposure (every detector of it).
const LEVELS = ["visit", "exposure"];
function levelKey(fields, level) {
  if (!fields.visit) return null;
  const visit = `${fields.program}${fields.obs}${fields.visit}`;
  return level === "visit" ? visit : (fields.exposure ? `${visit}_${fields.group || ""}_${fields.exposure}` : null);
}

function isRootNode(node, root, settings) {
  return node.name === root || (node.obs_id === root && categoryOf(node, settings) === "science");
}

/**
 * Turn lineage nodes and edges into drawable items.
 * options.collapse (default true): ancillary products (reference files, guide-star products,
 * previews, association files) of each column become one badge, and a column of more than
 * settings.collapse_at science products is drawn as groups by visit, then by exposure.
 * options.expanded holds badge and group keys the reader opened.
 */
export function buildModel(doc, settings, options = {}) {
  const collapse = options.collapse !== false;
  const expanded = options.expanded || new Set();
  const columns = new Map(settings.columns.map(([key]) => [key, []]));
  const fields = new Map();
  for (const node of doc.nodes) {
    columns.get(columnOf(node, settings)).push(node);
    fields.set(node.name, fieldsOf(node.name));
  }
  const items = [];
  const itemOf = new Map();
  const add = (item, members) => { items.push(item); for (const m of members) itemOf.set(m.name, item); };
  for (const [col, nodes] of columns) {
    // Code-point order: localeCompare costs ~0.2 s over a 5,000-member mosaic's 15,000 names.
    nodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const science = [];
    const opened = [];
    const hidden = new Map();
    for (const node of nodes) {
      const category = categoryOf(node, settings);
      if (!collapse || category === "science" || node.name === doc.root) science.push(node);
      else if (expanded.has(`badge|${col}`)) opened.push(node);
      else {
        if (!hidden.has(category)) hidden.set(category, []);
        hidden.get(category).push(node);
      }
    }
    if (hidden.size) {
      const members = [...hidden.values()].flat();
      const parts = [...hidden].map(([cat, ns]) => `${ns.length} ${settings.category_labels[cat] || cat}`);
      add({ id: `badge:${col}`, col, kind: "badge", key: `badge|${col}`, count: members.length, parts,
        label: `+ ${parts.join(", ")}`, names: members.map((m) => m.name) }, members);
    }
    // Opened ancillary products are grouped apart: opening them never regroups the science.
    for (const part of [science, opened]) groupColumn(col, part, { collapse, expanded, fields, settings, root: doc.root, add });
  }
  // Two columns may hold the same ancillary counts; the column's name tells their badges apart.
  const badges = items.filter((it) => it.kind === "badge");
  const twice = new Set(badges.filter((b) => badges.some((o) => o !== b && o.label === b.label)).map((b) => b.label));
  for (const b of badges) {
    if (twice.has(b.label)) b.label += ` (${settings.columns.find(([key]) => key === b.col)[1]})`;
  }
  const shared = sharedFields(fields.values());
  const singles = items.filter((it) => it.node);
  const labels = labelsFor(singles.map((it) => it.node.name), fields, shared);
  for (const it of singles) it.label = labels.get(it.node.name);
  for (const it of items) {
    if (it.kind !== "group") continue;
    const scope = it.level === "other" ? "" : scopeText(fields.get(it.names[0]), it.level, shared);
    it.label = `${scope ? `${it.level} ${scope} · ` : ""}${it.count} × ${it.what}`;
  }
  const edges = [];
  const merged = new Map();
  let hiddenEdges = 0;
  for (const edge of doc.edges) {
    const source = itemOf.get(edge.source);
    const target = itemOf.get(edge.target);
    if (!source || !target) continue;
    // Edges to a badge are summarised by the badge itself; drawing them would hide the chain.
    if (source.kind === "badge" || target.kind === "badge") { hiddenEdges += 1; continue; }
    if (source === target) continue;
    const key = `${source.id}\u0000${target.id}\u0000${edge.kind}\u0000${edge.role}`;
    const found = merged.get(key);
    if (found) found.count += 1;
    else {
      const e = { source, target, kind: edge.kind, role: edge.role, count: 1, first: edge };
      merged.set(key, e);
      edges.push(e);
    }
  }
  return { root: doc.root, items, edges, hiddenEdges, grouped: items.some((it) => it.kind === "group"), settings };
}

// Place a column's science products as nodes, or as groups by visit/exposure when it is big.
function groupColumn(col, nodes, ctx) {
  const { collapse, expanded, fields, settings, root, add } = ctx;
  const big = collapse && nodes.length > settings.collapse_at;
  let start = LEVELS.length; // no grouping
  if (big) {
    start = 0;
    for (let li = LEVELS.length - 1; li >= 0; li -= 1) {
      const keys = new Set(nodes.map((n) => `${levelKey(fields.get(n.name), LEVELS[li])}|${groupLabel(n)}`));
      if (keys.size <= settings.collapse_at) { start = li; break; }
    }
  }
  const groups = new Map();
  for (const node of nodes) {
    let key = `node|${node.name}`;
    if (!isRootNode(node, root, settings)) {
      for (let li = start; li < LEVELS.length; li += 1) {
        const lk = levelKey(fields.get(node.name), LEVELS[li]);
        const gkey = `${col}|${LEVELS[li]}|${lk ?? "other"}|${groupLabel(node)}`;
        if (!expanded.has(gkey)) { key = gkey; break; }
        if (lk === null) break;
      }
    }
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(node);
  }
  for (const [key, members] of groups) {
    if (members.length === 1 || key.startsWith("node|")) {
      for (const m of members) add({ id: m.name, col, kind: "node", node: m, count: 1, label: m.name }, [m]);
      continue;
    }
    const [, level, lk] = key.split("|");
    const levelName = lk === "other" ? "other" : level;
    add({ id: `group:${key}`, col, kind: "group", key, level: levelName, count: members.length,
      missing: members.filter((m) => !m.present).length, names: members.map((m) => m.name),
      what: groupLabel(members[0]), label: "" }, members);
  }
}

// Order each column by the mean position of its neighbours (two sweeps), to cut crossings;
// badges stay on top of their column.
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
      const mean = around.length ? around.reduce((s, n) => s + position.get(n), 0) / around.length : position.get(item);
      score.set(item, item.kind === "badge" ? -1e9 : mean);
    }
    col.sort((a, b) => score.get(a) - score.get(b) || position.get(a) - position.get(b));
    col.forEach((item, i) => position.set(item, i));
  };
  for (let i = 1; i < columns.length; i += 1) sweep(columns[i], i, true);
  for (let i = columns.length - 2; i >= 0; i -= 1) sweep(columns[i], i, false);
}

/** Place items: non-empty columns left to right, each as wide as its longest label. */
export function layout(model) {
  const used = model.settings.columns.filter(([key]) => model.items.some((it) => it.col === key));
  const columns = used.map(([key]) => model.items.filter((it) => it.col === key));
  columns.forEach((col, ci) => col.forEach((item) => { item.ci = ci; }));
  order(columns, model.edges);
  const widths = columns.map((col, ci) => Math.max(120, used[ci][1].length * CHAR_W + 60,
    ...col.map((it) => it.label.length * CHAR_W * (it.kind === "badge" ? 0.92 : 1) + (it.kind === "node" ? 16 : 22))));
  let x = MARGIN;
  let right = 0;
  columns.forEach((col, ci) => {
    col.forEach((item, i) => {
      item.x = x;
      item.y = TOP + i * (NODE_H + GAP);
      item.w = widths[ci];
      right = Math.max(right, item.x + item.w);
    });
    x += widths[ci] + COL_GAP;
  });
  const tallest = Math.max(1, ...columns.map((c) => c.length));
  // Room on the right for the loops of links within the last column.
  const width = Math.max(right + 70, x - COL_GAP + 70, MARGIN * 2 + 8 * 118);
  const height = TOP + tallest * (NODE_H + GAP) + LEGEND_H + MARGIN;
  const xs = columns.map((col, ci) => (col[0] ? col[0].x : MARGIN + ci * 200));
  return { ...model, used, columns, xs, width, height };
}

const esc = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function edgePath(e) {
  const s = e.source;
  const t = e.target;
  const sy = s.y + NODE_H / 2;
  const ty = t.y + NODE_H / 2;
  if (s.ci === t.ci) {
    const xr = s.x + s.w;
    const bend = 30 + Math.min(60, Math.abs(ty - sy) / 8);
    return `M${xr} ${sy} C${xr + bend} ${sy} ${xr + bend} ${ty} ${xr} ${ty}`;
  }
  const forward = s.ci < t.ci;
  const x1 = forward ? s.x + s.w : s.x;
  const x2 = forward ? t.x : t.x + t.w;
  const mid = (x1 + x2) / 2;
  return `M${x1} ${sy} C${mid} ${sy} ${mid} ${ty} ${x2} ${ty}`;
}

function nodeSvg(item, model, hrefOf) {
  const fills = model.settings.fills;
  const { x, y, w } = item;
  if (item.kind === "badge") {
    const title = `${item.count} ancillary products: ${item.parts.join(", ")} — activate to show them`;
    return `<a href="#" aria-label="${esc(title)}"><g class="node badge" data-group="${esc(item.key)}" data-count="${item.count}" data-level="${item.col}">` +
      `<title>${esc(title)}</title><rect x="${x}" y="${y}" width="${w}" height="${NODE_H}" rx="11" fill="#ffffff" stroke="#4f5b66" stroke-dasharray="2 2"/>` +
      `<text x="${x + 10}" y="${y + 15}" fill="#1d232b" font-style="italic" font-size="10">${esc(item.label)}</text></g></a>`;
  }
  if (item.kind === "group") {
    const title = `${item.label}${item.missing ? ` (${item.missing} missing)` : ""} — activate to expand`;
    return `<a href="#" aria-label="${esc(title)}"><g class="node group" data-group="${esc(item.key)}" data-count="${item.count}" data-level="${item.col}">` +
      `<title>${esc(title)}</title>` +
      `<rect x="${x + 3}" y="${y + 3}" width="${w}" height="${NODE_H}" rx="4" fill="${fills[item.col]}" stroke="#4f5b66"/>` +
      `<rect x="${x}" y="${y}" width="${w}" height="${NODE_H}" rx="4" fill="${fills.group}" stroke="#4f5b66" stroke-width="1.5"/>` +
      `<text x="${x + 8}" y="${y + 15}" fill="#1d232b" font-weight="bold">${esc(item.label)}</text></g></a>`;
  }
  const node = item.node;
  const isRoot = isRootNode(node, model.root, model.settings);
  const fill = fills[item.col];
  const dash = node.present ? "" : ' stroke-dasharray="4 3"';
  const title = `${node.name} — ${node.product_type || "?"}, level ${item.col}${node.present ? "" : ", missing"}` +
    `${node.obs_id ? `, observation ${node.obs_id}` : ""}`;
  return `<a href="${esc(hrefOf(node))}" aria-label="${esc(title)}"><g class="node${isRoot ? " root" : ""}" data-name="${esc(node.name)}" ` +
    `data-level="${item.col}" data-present="${node.present}"><title>${esc(title)}</title>` +
    `<rect x="${x}" y="${y}" width="${w}" height="${NODE_H}" rx="4" fill="${fill}" stroke="${isRoot ? "#1d232b" : "#4f5b66"}" stroke-width="${isRoot ? 2.5 : 1}"${dash}/>` +
    `<text x="${x + 8}" y="${y + 15}" fill="#1d232b"${isRoot ? ' font-weight="bold"' : ""}>${esc(item.label)}</text></g></a>`;
}

function legendSvg(model, y) {
  return Object.entries(model.settings.kinds).map(([kind, colour], i) => {
    const x = MARGIN + i * 118;
    return `<g class="legend-item"><line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${colour}" stroke-width="3"/>` +
      `<text x="${x + 27}" y="${y + 4}" fill="${colour}">${kind}</text></g>`;
  }).join("");
}

/** The text an edge shows on hover or focus (the page adds its evidence, from the lineage JSON). */
export function edgeText(e) {
  const count = e.count > 1 ? ` × ${e.count}` : "";
  return `${e.kind}${e.role ? ` (${e.role})` : ""}${count}: ${e.source.label} → ${e.target.label}`;
}

/**
 * The SVG text of a laid-out graph.
 * options.hrefOf(node) gives a node's link; options.standalone adds the XML prologue.
 */
export function toSvg(model, options) {
  const { width, height } = model;
  const heads = model.used.map(([, label], ci) => {
    const count = model.columns[ci].reduce((s, it) => s + it.count, 0);
    return `<text class="column-head" x="${model.xs[ci]}" y="${TOP - 18}" font-weight="bold" fill="#1d232b">${esc(label)} (${count})</text>`;
  }).join("");
  const edges = model.edges.map((e, i) => {
    const colour = model.settings.kinds[e.kind] || "#4f5b66";
    const widthPx = e.count > 1 ? Math.min(8, 1.4 + Math.log2(e.count)) : 1.4;
    const d = edgePath(e);
    return `<g class="edge-g" data-edge="${i}" tabindex="0" role="img" aria-label="${esc(edgeText(e))}">` +
      `<path class="edge-hit" d="${d}" fill="none" stroke="transparent" stroke-width="10"/>` +
      `<path class="edge" data-kind="${esc(e.kind)}" data-count="${e.count}" d="${d}" fill="none" stroke="${colour}" ` +
      `stroke-width="${widthPx.toFixed(1)}" stroke-opacity="0.8"><title>${esc(edgeText(e))}</title></path></g>`;
  }).join("");
  const nodes = model.items.map((it) => nodeSvg(it, model, options.hrefOf)).join("");
  const prologue = options.standalone ? '<?xml version="1.0" encoding="UTF-8"?>\n' : "";
  const title = esc(options.title || "Linkage graph");
  return `${prologue}<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="DejaVu Sans, Arial, sans-serif" font-size="11" role="group" aria-label="${title}"><title>${title}</title>` +
    `<rect class="background" width="${width}" height="${height}" fill="#ffffff"/>` +
    `<g class="heads">${heads}</g><g class="edges">${edges}</g><g class="nodes">${nodes}</g>` +
    `<g class="legend">${legendSvg(model, height - LEGEND_H / 2 - MARGIN / 2)}</g></svg>`;
}
