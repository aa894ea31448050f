// Short, distinct labels for the linkage picture: a name split into its JWST fields
// (program, observation, visit, exposure, detector, ...), minus the fields every node shares.

// jw01409001001_02102_00001-seg001_nrca1_o001_crf.fits (exposure products; segment, the
// Level 3 association a Level 2c product was made in, and the suffix optional)
const EXPOSURE = /^jw(\d{5})(\d{3})(\d{3})_(\d{5})_(\d{5}(?:-seg\d{3})?)_([a-z0-9]+?)(?:_([oc]\d{3,4}))?(?:_(.+?))?\.([a-z0-9.]+)$/i;
// jw01409001001_gs-fg_2023164003855_cal.fits (guide-star products)
const GUIDE = /^jw(\d{5})(\d{3})(\d{3})_(gs-[a-z0-9]+)_([0-9_]+?)(?:_([a-z][a-z0-9-]*))?\.([a-z0-9.]+)$/i;
// jw01409-o001_t001_nircam_clear-f200w_i2d.fits (Level 3; target or source, instrument, optics)
const LEVEL3 = /^jw(\d{5})-([oacr]\d{3,4})_([^_]+)_([a-z]+)_([^_]+?)(?:_(.+?))?\.([a-z0-9.]+)$/i;

// The order fields are written in a label.
const ORDER = ["program", "obs", "visit", "group", "exposure", "guide", "time", "target",
  "instrument", "optics", "detector", "asn", "suffix", "ext"];

/** A name's fields as {key: text}; names of no known form split at "_" into f0, f1, .... */
export function fieldsOf(name) {
  let m = EXPOSURE.exec(name);
  if (m) {
    return { program: `jw${m[1]}`, obs: `o${m[2]}`, visit: `v${m[3]}`, group: m[4], exposure: m[5],
      detector: m[6], asn: m[7] || "", suffix: m[8] || "", ext: m[9] };
  }
  m = GUIDE.exec(name);
  if (m) {
    return { program: `jw${m[1]}`, obs: `o${m[2]}`, visit: `v${m[3]}`, guide: m[4], time: m[5],
      suffix: m[6] || "", ext: m[7] };
  }
  m = LEVEL3.exec(name);
  if (m) {
    return { program: `jw${m[1]}`, obs: m[2], target: m[3], instrument: m[4], optics: m[5],
      suffix: m[6] || "", ext: m[7] };
  }
  const dot = name.lastIndexOf(".");
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const fields = { ext: dot > 0 ? name.slice(dot + 1) : "" };
  stem.split("_").forEach((part, i) => { fields[`f${i}`] = part; });
  return fields;
}

function keysOf(fields) {
  const extra = Object.keys(fields).filter((k) => /^f\d+$/.test(k));
  return [...ORDER.filter((k) => k in fields), ...extra];
}

/** The fields all the given field sets share (a key absent from a set does not count against). */
export function sharedFields(fieldSets) {
  const seen = new Map();
  const differ = new Set();
  for (const fields of fieldSets) {
    for (const key of ORDER) {
      if (!(key in fields)) continue;
      if (!seen.has(key)) seen.set(key, fields[key]);
      else if (seen.get(key) !== fields[key]) differ.add(key);
    }
  }
  // The suffix says which product of an exposure a box is; keep it even when shared.
  return new Set([...seen.keys()].filter((k) => !differ.has(k) && k !== "suffix"));
}

function text(fields, keys, shared) {
  return keys.filter((k) => !shared.has(k) && fields[k] && !(k === "ext" && fields[k] === "fits"))
    .map((k) => fields[k]).join(" ");
}

/**
 * Labels for drawn nodes: every field that tells nodes apart, none that all of them share.
 * `shared` is the set of sharedFields over every node of the graph. Two names that would
 * still get the same label (an unknown form) keep their full names.
 */
export function labelsFor(names, fields, shared) {
  const labels = new Map();
  for (const name of names) labels.set(name, text(fields.get(name), keysOf(fields.get(name)), shared) || name);
  const count = new Map();
  for (const label of labels.values()) count.set(label, (count.get(label) || 0) + 1);
  for (const [name, label] of labels) if (count.get(label) > 1) labels.set(name, name);
  return labels;
}

/** The scope of a group by visit or by exposure, in the same short words as labels. */
export function scopeText(fields, level, shared) {
  const keys = level === "visit" ? ["program", "obs", "visit"] : ["program", "obs", "visit", "group", "exposure"];
  const last = keys[keys.length - 1];
  return keys.filter((k) => fields[k] && (k === last || !shared.has(k))).map((k) => fields[k]).join(" ");
}
