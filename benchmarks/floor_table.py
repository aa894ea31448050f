"""Markdown for the floors benchmark: the README's "Floors" table from a results file.

Run:  python benchmarks/floor_table.py benchmarks/results-floors-sqlite.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:,.0f} s"


def _rate(count: float, seconds: float) -> str:
    return _n(count / seconds)


def _timed(seconds: float, products: float) -> str:
    return f"{_s(seconds)} ({_rate(products, seconds)})"


def machine_line(m: dict[str, Any]) -> str:
    """One line: cores, CPU, RAM, versions and the load average at start and end."""
    start = " / ".join(f"{x:.2f}" for x in m["load_average_start"])
    end = m.get("load_average_end")
    line = (
        f"Machine: {m['nproc']} cores ({m['cpu_model']}), {m['ram_gb']} GB RAM, "
        f"Python {m['python']}, SQLite {m['sqlite']}; {m['date']}; "
        f"load average (1/5/15 min) {start} at start"
    )
    if end:
        line += ", " + " / ".join(f"{x:.2f}" for x in end) + " at end"
    return line + "."


def render_size(backend: str, r: dict[str, Any]) -> str:
    """One progress line for one size."""
    j, f = r["jwlink"], r["floor"]
    return (
        f"{backend:<10} {r['size']:>9}: jwlink {_s(j['seconds'])} "
        f"({_rate(j['counts']['products'], j['seconds'])} products/s, "
        f"peak {j['peak_rss_mb']:.0f} MB)"
        f" | lean {f['method']} {_s(f['lean_seconds'])} (x{r['x_lean_floor']:.1f})"
        f" | current schema {_s(f['current_schema_seconds'])} (x{r['x_current_schema_floor']:.1f})"
    )


def _catalog_rows(report: dict[str, Any]) -> list[str]:
    sizes = report["sizes"]
    method = "executemany" if report["backend"] == "sqlite" else "COPY"
    head = "| | " + " | ".join(_n(r["size"]) for r in sizes) + " |"
    rows = [head, "|---" * (len(sizes) + 1) + "|"]

    def row(label: str, cell: Any) -> None:
        rows.append(f"| {label} | " + " | ".join(cell(r) for r in sizes) + " |")

    row(
        "products / links written",
        lambda r: f"{_n(r['floor']['products'])} / {_n(r['floor']['links'])}",
    )
    row(
        "jwlink catalog-only ingest (products/s)",
        lambda r: _timed(r["jwlink"]["seconds"], r["jwlink"]["counts"]["products"]),
    )
    row(
        f"lean floor: raw {method}, integer keys (products/s)",
        lambda r: _timed(r["floor"]["lean_seconds"], r["floor"]["products"]),
    )
    row("**jwlink ÷ lean floor**", lambda r: f"**×{r['x_lean_floor']:.1f}**")
    row(
        f"current-schema floor: raw {method} into schema.sql",
        lambda r: _s(r["floor"]["current_schema_seconds"]),
    )
    row("jwlink ÷ current-schema floor", lambda r: f"×{r['x_current_schema_floor']:.1f}")
    row(
        "jwlink ingest peak memory (VmHWM; getrusage maxrss)",
        lambda r: (
            f"{r['jwlink']['peak_rss_mb']:.0f} MB; {r['jwlink']['getrusage_maxrss_mb']:.0f} MB"
        ),
    )
    for g in report.get("growth", []):
        rows.append(
            f"| cost per 10× growth, {_n(g['from'])} → {_n(g['to'])} (jwlink; lean floor) | "
            f"×{g['jwlink_per_10x']:.1f}; ×{g['lean_floor_per_10x']:.1f} |"
            + " |"
            * (len(sizes) - 1)
        )
    return rows


def _files_row(label: str, f: dict[str, Any]) -> str:
    j = f["jwlink"]
    sha = f["sha256_all_cores"]
    if not j["finished"]:
        return f"| {label} | did not finish in {j['timeout_s']:.0f} s | | |"
    return (
        f"| {label} ({_n(f['files'])} files, {f['bytes'] / 1e6:,.0f} MB) | "
        f"{_s(j['seconds'])} ({_rate(f['files'], j['seconds'])} files/s, "
        f"{f['jwlink_mb_per_s']:,.0f} MB/s) | "
        f"getheader loop {_s(f['getheader_seconds'])} (jwlink ×{f['x_getheader']:.1f}) | "
        f"SHA-256 on {sha['workers']} cores {sha['mb_per_s']:,.0f} MB/s "
        f"(jwlink at {100 * f['fraction_of_sha256_all_cores']:.0f} %) |"
        + (f" **{j['errors']} files refused** |" if j["errors"] else "")
    )


def render_table(report: dict[str, Any]) -> str:
    """The README table of one backend's results: machine line, catalog, files, associations."""
    server = report.get("postgresql_server")
    backend = f"PostgreSQL {server}" if server else report["backend"]
    lines = [f"{backend}. " + machine_line(report["machine"]), ""]
    lines += _catalog_rows(report)
    lines += ["", "| folder ingest | jwlink | floor | floor |", "|---|---|---|---|"]
    lines.append(_files_row("synthetic folder's FITS files", report["folder"]))
    if "big_files" in report:
        lines.append(
            _files_row(
                f"big files, headers from {Path(report['big_files']['headers_from']).name}",
                report["big_files"],
            )
        )
    if report.get("big_asn"):
        lines += ["", "| association members | jwlink ingest | per 10k members |", "|---|---|---|"]
        for a in report["big_asn"]:
            if a.get("refused"):
                lines.append(f"| {_n(a['members'])} | refused by jwlink: {a['refused']} | |")
            elif a["finished"]:
                per = a["seconds_per_10k_members"]
                lines.append(f"| {_n(a['members'])} | {_s(a['seconds'])} | {per:.2f} s |")
            else:
                lines.append(f"| {_n(a['members'])} | did not finish in {a['timeout_s']:.0f} s | |")
    return "\n".join(lines)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(render_table(json.loads(Path(name).read_text())), end="\n\n")
