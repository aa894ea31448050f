// Click-to-sort for tables whose header cells carry data-key (and data-type="number").

function compare(a, b, numeric) {
  const empty = (v) => v === null || v === undefined || v === "";
  if (empty(a) && empty(b)) return 0;
  if (empty(a)) return 1;
  if (empty(b)) return -1;
  if (numeric) return Number(a) - Number(b);
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** Sort the table's first body by a column when its header button is pressed. */
export function makeSortable(table) {
  const headers = [...table.tHead.rows[0].cells].filter((th) => th.dataset.key);
  for (const th of headers) {
    const button = th.querySelector("button");
    button.addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      for (const other of headers) other.setAttribute("aria-sort", "none");
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const key = th.dataset.key;
      const numeric = th.dataset.type === "number";
      const body = table.tBodies[0];
      const rows = [...body.rows].filter((r) => r._sort);
      rows.sort((a, b) => compare(a._sort[key], b._sort[key], numeric) * (ascending ? 1 : -1));
      body.append(...rows);
    });
  }
}
