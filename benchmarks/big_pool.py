"""jwlink big-pool benchmark: one association pool of N rows, ingested by ``jwlink ingest``.

Run:  python benchmarks/big_pool.py [--rows 1000000] [--per-observation 1000]
                                    [--table] [--pg] [--timeout 3600] [--keep DIR] [--out FILE]

With ``--table`` the file is a MAST product list instead (CSV, as astroquery
writes ``get_product_list``): N rows, three a exposure (uncal, rate, cal),
``--per-observation`` rows per observation, each exposure listed with its
own ``obsID`` as ``parent_obsid``.

Writes one valid pool of N rows into a temporary folder, in the 64-column
layout of the real ``jw09505_20251216t202003_pool.csv`` (its first row is the
template; file names, observation, visit, activity, exposure and EXP_TYPE
vary): ``--per-observation`` rows per observation (program and ``OBS_NUM``),
10 visits each, the first row of each observation a target acquisition
(``MIR_TACQ``) that every other row of the observation links to. Then
``jwlink ingest`` ingests it into a fresh SQLite catalog (and, with ``--pg``,
into a fresh schema of ``$JWLINK_TEST_PG``) in a child process, and the wall
time and the child's peak resident memory (``wait4``'s ``ru_maxrss``) are
printed. Nothing here asserts a time; the exit status is non-zero if an
ingest failed or ran out of time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

_HEADER = (
    "FILENAME|OBS_ID|PROGRAM|OBS_NUM|VISIT|VISIT_ID|VISITGRP|VISITYPE|SEQ_ID|ACT_ID|EXPOSURE|"
    "EXP_TYPE|NEXPOSUR|EXPCOUNT|INSTRUME|DETECTOR|CHANNEL|TARGETID|TARGPROP|TARGNAME|TARGTYPE|"
    "TEMPLATE|PNTGTYPE|PNTG_SEQ|TARGORDN|EXPSPCIN|DITHPTIN|MOSTILNO|MODULE|FILTER|PUPIL|"
    "DITHERID|PATTTYPE|PATTSTRT|NUMDTHPT|PATTSIZE|SUBPXPTS|PATT_NUM|SUBPIXEL|APERNAME|SDP_VER|"
    "SUBARRAY|GRATING|FXD_SLIT|BAND|GWA_XTIL|GWA_YTIL|ASN_CANDIDATE|EXPOSERR|IS_PSF|IS_IMPRT|"
    "BKGDTARG|TSOVISIT|MSASTATE|MSAMETFL|OPMODE|LAMP|SPEC_NUM|SPAT_NUM|DMS_NOTE|EXSEGTOT|NINTS|"
    "NGROUPS|MTSHADOW"
)
# The first data row of jw09505_20251216t202003_pool.csv, cell by cell.
_TEMPLATE = (
    "jw09505001001_02101_00001_mirimage_uncal.fits|V09505001001P0000000002101|9505|1|1|"
    "09505001001|2|PRIME_TARGETED_FIXED|1|01|1|MIR_IMAGE|5|1|MIRI|MIRIMAGE|NULL|1|"
    "LHA-120-N-133|LHA 120-N 133|FIXED|MIRI Wide Field Slitless Spectroscopy|SCIENCE|1|1|1|1|1|"
    "NULL|F560W|NULL|NULL|NONE|NULL|4|NULL|NULL|1|NULL|MIRIM_FULL|2025_4a|FULL|NULL|NULL|NULL|"
    "NULL|NULL|[('o001', 'OBSERVATION')]|NULL|NULL|NULL|F|F|NULL|NULL|NULL|OFF|NULL|NULL|NULL|"
    "NULL|1|3|NONE"
).split("|")
_COLUMNS = {name: at for at, name in enumerate(_HEADER.split("|"))}
VISITS = 10
# Observations per program: OBS_NUM has three digits.
_PER_PROGRAM = 999


def pool_row(number: int, per_observation: int) -> str:
    """Return data row ``number`` (from 0) of the synthetic pool, as one line."""
    observation, at = divmod(number, per_observation)
    program = 9505 + observation // _PER_PROGRAM
    obs = observation % _PER_PROGRAM + 1
    per_visit = -(-per_observation // VISITS)
    visit, exposure = divmod(at, per_visit)
    visit += 1
    # The observation's first row is its target acquisition (activity 01).
    act, exp_type = ("01", "MIR_TACQ") if at == 0 else ("02", "MIR_IMAGE")
    cells = list(_TEMPLATE)
    ident = f"{program:05d}{obs:03d}{visit:03d}"
    values = {
        "FILENAME": f"jw{ident}_021{act}_{exposure + 1:05d}_mirimage_uncal.fits",
        "OBS_ID": f"V{ident}P00000000021{act}",
        "PROGRAM": str(program), "OBS_NUM": str(obs), "VISIT": str(visit), "VISIT_ID": ident,
        "ACT_ID": act, "EXPOSURE": str(exposure + 1), "EXP_TYPE": exp_type,
        "EXPCOUNT": str(at + 1), "ASN_CANDIDATE": f"[('o{obs:03d}', 'OBSERVATION')]",
    }  # fmt: skip
    for column, value in values.items():
        cells[_COLUMNS[column]] = value
    return "|".join(cells)


def write_pool(folder: Path, rows: int, per_observation: int = 1000) -> Path:
    """Write a valid pool of ``rows`` rows into ``folder``; return its path.

    Parameters
    ----------
    folder : Path
        Where the pool goes (``jw09505_20260101t000000_pool.csv``).
    rows : int
        How many exposures (data rows).
    per_observation : int
        Rows per observation; each observation's first row is a target acquisition.

    Returns
    -------
    Path
        The pool file.
    """
    return _write(
        folder / "jw09505_20260101t000000_pool.csv", _HEADER, pool_row, rows, per_observation
    )


def _write(
    path: Path, header: str, row: Callable[[int, int], str], rows: int, per_observation: int
) -> Path:
    """Write ``header`` then ``row(n, per_observation)`` for n below ``rows``, a line each."""
    # Row by row: a million-row file is never held in memory.
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(header + "\n")
        for number in range(rows):
            handle.write(row(number, per_observation) + "\n")
    return path


_TABLE_HEADER = (
    "obsID,obs_collection,dataproduct_type,obs_id,description,type,dataURI,productType,"
    "calib_level,prvversion,proposal_id,productFilename,size,parent_obsid,dataRights,"
    "t_obs_release"
)
# suffix -> (calib_level, description)
_TABLE_LEVELS = {"uncal": (1, "raw"), "rate": (2, "rate"), "cal": (2, "calibrated")}


def table_row(number: int, per_observation: int) -> str:
    """Return data row ``number`` (from 0) of the synthetic product list, as one line."""
    exposure, which = divmod(number, 3)
    suffix = ("uncal", "rate", "cal")[which]
    observation, at = divmod(exposure * 3, per_observation)
    program = 9505 + observation // _PER_PROGRAM
    obs = observation % _PER_PROGRAM + 1
    visit, n = divmod(at // 3, 1000)
    ident = f"{program:05d}{obs:03d}{visit + 1:03d}"
    obs_id = f"jw{ident}_02101_{n + 1:05d}_mirimage"
    name = f"{obs_id}_{suffix}.fits"
    obsid = 200_000_000 + exposure
    level, description = _TABLE_LEVELS[suffix]
    cells = (
        str(obsid), "JWST", "image", obs_id, f"exposure (L{level}): {description}", "S",
        f"mast:JWST/product/{name}", "SCIENCE", str(level), "1.14.0", str(program), name,
        str(100_000_000 + number), str(obsid), "PUBLIC", "60123.5",
    )  # fmt: skip
    return ",".join(cells)


def write_table(folder: Path, rows: int, per_observation: int = 1000) -> Path:
    """Write a valid MAST product list (CSV) of ``rows`` rows into ``folder``; return its path."""
    return _write(
        folder / "mast_products_jw09505.csv", _TABLE_HEADER, table_row, rows, per_observation
    )


def _pg_url(base: str, schema: str) -> str:
    # Named after the schema, so a killed ingest's sessions can be ended before the drop.
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}&application_name={schema}"


def ingest_measured(pool: Path, db: str, timeout: float) -> dict[str, Any]:
    """Run ``jwlink ingest --json POOL --db DB`` in a child; return its time, peak and report."""
    command = [sys.executable, "-m", "jwlink", "ingest", "--json", "--db", db, str(pool)]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdout=out, stderr=err)  # noqa: S603 - our own command
        deadline = start + timeout
        while True:
            # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be
            # the peak of every child waited for so far).
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                child.returncode = -9
                return {"timeout": timeout}
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, problem = out.read().decode(), err.read().decode()
    result: dict[str, Any] = {
        "seconds": round(seconds, 1),
        # ru_maxrss is in KiB on Linux.
        "peak_mb": usage.ru_maxrss // 1024,
        "exit": child.returncode,
    }
    try:
        report = json.loads(text)
        result |= {k: report.get(k) for k in ("ingested", "failed", "products", "links")}
    except ValueError:
        result["stderr"] = problem[-2000:]
    if child.returncode != 0:
        result["stderr"] = problem[-2000:] or text[-2000:]
    return result


def run(
    rows: int,
    per_observation: int,
    pg: bool,
    timeout: float,
    keep: Path | None,
    table: bool = False,
) -> list[dict[str, Any]]:
    """Write the pool (or table) once and ingest it into each backend; one result per backend."""
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = keep if keep is not None else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        pool = (write_table if table else write_pool)(folder, rows, per_observation)
        written = time.perf_counter() - start
        size_mb = pool.stat().st_size / 1e6
        what = "table" if table else "pool"
        print(f"{what}: {rows:,} rows, {size_mb:.0f} MB, written in {written:.1f} s", flush=True)
        backends = [("sqlite", str(Path(scratch) / "catalog.db"))]
        admin: Any = None
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        if pg:
            import psycopg

            base = os.environ.get("JWLINK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
            admin = psycopg.connect(base, autocommit=True)
            admin.execute(f"CREATE SCHEMA {schema}")
            backends.append(("postgresql", _pg_url(base, schema)))
        try:
            for backend, db in backends:
                result = {"backend": backend, "rows": rows, "file_mb": round(size_mb),
                          **ingest_measured(pool, db, timeout)}  # fmt: skip
                results.append(result)
                print(json.dumps(result), flush=True)
        finally:
            if admin is not None:
                # An ingest killed at the timeout may leave its statement running.
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = %s",
                    (schema,),
                )
                admin.execute(f"DROP SCHEMA {schema} CASCADE")
                admin.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--per-observation", type=int, default=1000)
    parser.add_argument("--table", action="store_true", help="a MAST product list (CSV)")
    parser.add_argument("--pg", action="store_true", help="also ingest into PostgreSQL")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per ingest")
    parser.add_argument("--keep", type=Path, default=None, help="write the pool here and keep it")
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON")
    args = parser.parse_args(argv)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, load average {load} (shared machine)")
    results = run(args.rows, args.per_observation, args.pg, args.timeout, args.keep, args.table)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.out is not None:
        args.out.write_text(json.dumps({"load": os.getloadavg(), "results": results}, indent=1))
    failed = [r for r in results if r.get("exit") != 0 or r.get("ingested") != 1]
    for r in failed:
        print(f"{r['backend']}: the ingest did not complete: {r}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
