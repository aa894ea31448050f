"""``jwlink check DIR``: whether a downloaded folder is complete (``--db`` alone: the catalog's)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from jwlink.cli.common import errors_to_click, existing_catalog, json_option, print_json
from jwlink.query.catalog import Catalog
from jwlink.query.completeness import Completeness

if TYPE_CHECKING:
    from jwlink.download.changes import ChangeReport
    from jwlink.query.ondisk import DiskReport

__all__ = ["check", "print_changes", "print_disk_report"]

# Extra files are listed by name only up to this many without --verbose: a
# folder of unrelated files must not bury the verdict.
EXAMPLES = 5


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False), required=False)
@click.option("--db", envvar="JWLINK_DB", default=None, callback=existing_catalog,
              help="An existing catalog to ingest into and compare SHA-256 with "
                   "(default: a temporary one, so nothing is 'changed').")  # fmt: skip
@click.option("--against", metavar="URL",
              help="A jwlink server, e.g. http://127.0.0.1:8000: also say what changed there "
                   "since the download (changed, new, gone).")  # fmt: skip
@click.option("--all-products", is_flag=True,
              help="With --against or --db: a product of the folder's observations the folder "
                   "lacks is new whether MRP or not (default: MRP only, as download).")  # fmt: skip
@click.option("--changes-only", is_flag=True,
              help="With --against or --db: only what changed there since the download "
                   "(no completeness; nothing ingested).")  # fmt: skip
@click.option("--verbose", "-v", is_flag=True, help="List every extra file and every MRP file.")
@json_option
@errors_to_click
def check(
    folder: str | None,
    db: str | None,
    against: str | None,
    all_products: bool,
    changes_only: bool,
    verbose: bool,
    as_json: bool,
) -> None:
    """Completeness of a folder of JWST files: present, missing, extra, changed, MRP.

    Every association, pool, MAST product table and FITS header in FOLDER
    names the files it expects; a file any of them names that is not here is
    missing, a file none names is extra. With --against URL (or --db), also
    what changed in that archive since the download: files whose SHA-256 (or
    prvversion) differs, files it now has that the folder lacks, files it no
    longer lists (--changes-only: that alone). Exits 1 when anything is
    missing, changed, new, gone or unreadable.

    Without FOLDER, --db CATALOG checks the catalog's own files: each one
    whose size or modification time on disk differs from what ingest
    recorded (the server refuses it, 409, rather than send it under its old
    checksum), and each one gone. Exits 1 when any is.
    """
    if folder is None:
        _check_catalog_files(db, against, all_products or changes_only, verbose, as_json)
        return
    if changes_only and not (against or db):
        msg = "--changes-only needs --against URL or --db DB to compare with."
        raise click.UsageError(msg)
    # Before the completeness ingest below writes the folder into --db.
    changes = _changes(folder, against, db, not all_products) if against or db else None
    if changes is not None and changes_only:
        if as_json:
            print_json(changes.as_dict())
        else:
            print_changes(changes)
        sys.exit(0 if changes.same else 1)
    with tempfile.TemporaryDirectory() as tmp:
        url = db or str(Path(tmp) / "check.db")
        with Catalog(url) as catalog:
            result = catalog.check(folder)
    if as_json:
        print_json({**result.as_dict(), **({"changes": changes.as_dict()} if changes else {})})
    else:
        _print(result, verbose)
        if changes is not None:
            print_changes(changes)
    if not result.complete or (changes is not None and not changes.same):
        sys.exit(1)


def _check_catalog_files(
    db: str | None, against: str | None, folder_only: bool, verbose: bool, as_json: bool
) -> None:
    """``jwlink check --db CATALOG``: the catalog's files against the disk; exit 1 if any differ."""
    if db is None or against is not None or folder_only:
        msg = (
            "Give a FOLDER to check a download; without one, only --db CATALOG "
            "(check the catalog's own files on disk)."
        )
        raise click.UsageError(msg)
    from jwlink.query.ondisk import check_disk
    from jwlink.store import open_store

    store = open_store(db, readonly=True)
    try:
        report = check_disk(store)
    finally:
        store.close()
    if as_json:
        print_json(report.as_dict())
    else:
        print_disk_report(report, verbose)
    if not report.ok:
        sys.exit(1)


def print_disk_report(report: DiskReport, verbose: bool) -> None:
    """Print the counts, each changed and missing file (`EXAMPLES` without -v), the verdict."""
    click.echo(f"{report.files} catalogued files")
    click.echo(f"  same       {report.same:>8}")
    click.echo(f"  changed    {len(report.changed):>8}")
    click.echo(f"  missing    {len(report.missing):>8}")
    if report.unrecorded:
        click.echo(f"  unrecorded {report.unrecorded:>8}  (ingested before sizes and times were "
                   "kept: hashed again when served; ingest again to record them)")  # fmt: skip
    changed = report.changed if verbose else report.changed[:EXAMPLES]
    for item in changed:
        click.echo(f"changed {item['path']}  (catalog: {item['size']} bytes, mtime_ns "
                   f"{item['mtime_ns']}; on disk: {item['found_size']} bytes, mtime_ns "
                   f"{item['found_mtime_ns']})")  # fmt: skip
    missing = report.missing if verbose else report.missing[:EXAMPLES]
    for path in missing:
        click.echo(f"missing {path}")
    hidden = len(report.changed) - len(changed) + len(report.missing) - len(missing)
    if hidden:
        click.echo(f"... and {hidden} more (--verbose lists all)")
    if report.ok:
        click.echo("Every catalogued file is on disk as it was ingested.")
    else:
        click.echo(f"{len(report.changed)} changed and {len(report.missing)} missing since "
                   "ingest: not served under their old checksums; ingest them again.")  # fmt: skip


def _changes(folder: str, against: str | None, db: str | None, mrp: bool) -> ChangeReport:
    from jwlink.download.changes import CatalogArchive, HttpArchive, detect

    if against is None:
        return detect(folder, CatalogArchive(str(db)), mrp=mrp)  # asked only with one of them
    import httpx

    with httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True) as client:
        return detect(folder, HttpArchive(client, against), mrp=mrp)


def print_changes(report: ChangeReport) -> None:
    """Print each changed, new, gone and unchecked file, then the one-line summary."""
    for item in report.changed:
        versions = ""
        if "prvversion" in item["why"]:
            versions = f"; prvversion {item['prvversion']} -> {item['archive_prvversion']}"
        sha = item["archive_sha256"]
        now = f"now {sha[:12]}..." if sha else "no SHA-256 in the archive"
        click.echo(f"changed   {item['path']}  (SHA-256 {item['sha256'][:12]}..., {now}{versions})")
    for item in report.new:
        status = "" if item["status"] == "OK" else f"; {item['status']}"
        click.echo(f"new       {item['path']}  ({item['size']} bytes{status})")
    for item in report.gone:
        click.echo(f"gone      {item['path']}  (the archive no longer lists it)")
    for item in report.unchecked:
        click.echo(f"unchecked {item['path']}: {item['why']}", err=True)
    click.echo(report.summary())


def _named_by(entry: dict[str, Any]) -> str:
    sources = entry["named_by"]
    shown = "; ".join(f"{s['source']}: {s['why']}" for s in sources[:2])
    more = f"; and {len(sources) - 2} more" if len(sources) > 2 else ""
    return f"  (named by {shown}{more})"


def _print(result: Completeness, verbose: bool) -> None:
    counts = result.counts()
    click.echo(f"{result.folder}: {counts['files']} files")
    for key in ("present", "missing", "extra", "changed"):
        click.echo(f"  {key:<8} {counts[key]:>6}")
    if result.not_held:
        click.echo(f"  not held {len(result.not_held):>6}  (named, not required: pools, "
                   "reference files; --json lists them)")  # fmt: skip
    mrp_files = sum(len(v) for v in result.mrp.values())
    click.echo(f"MRP present: {mrp_files} files in {len(result.mrp)} observations")
    for obs_id, names in result.mrp.items():
        short = [n.removeprefix(obs_id) if n.startswith(obs_id) else n for n in names]
        click.echo(f"  {obs_id}: {', '.join(names if verbose else short)}")
    for entry in result.missing:
        click.echo(f"missing {entry['name']}{_named_by(entry)}")
    for entry in result.changed:
        click.echo(f"changed {entry['path']}  (SHA-256 {entry['sha256'][:12]}..., "
                   f"catalog has {entry['catalog_sha256'][:12]}...)")  # fmt: skip
    shown = result.extra if verbose else result.extra[:EXAMPLES]
    for path in shown:
        click.echo(f"extra   {path}")
    if len(shown) < len(result.extra):
        click.echo(f"extra   ... and {len(result.extra) - len(shown)} more (--verbose lists all)")
    for error in result.errors:
        click.echo(f"error   {error['path']}: {error['error']}", err=True)
    click.echo(result.verdict)
