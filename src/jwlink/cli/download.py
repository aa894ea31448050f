"""``jwlink download``: fetch products from a server or a local catalog."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from jwlink.cli.common import (
    errors_to_click,
    json_option,
    print_json,
    require_catalog,
    unchecked_db_option,
)

if TYPE_CHECKING:
    from jwlink.download import DownloadReport

__all__ = ["download"]


class _Bar:
    """A rich progress bar that a download advances with byte counts."""

    def __init__(self) -> None:
        self.progress: Any = None

    def __call__(self, total: int, files: int) -> Callable[[int], None]:
        from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

        self.progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            transient=True,
        )
        self.progress.start()
        task = self.progress.add_task(f"{files} files", total=total)
        return lambda n: self.progress.advance(task, n)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


@click.command()
@click.argument("obs_ids", nargs=-1)
@click.option("--name", "names", multiple=True, help="Also this product (repeatable).")
@click.option(
    "--mrp/--no-mrp",
    default=True,
    show_default=True,
    help="Only the minimum recommended products of each observation.",
)
@click.option("--dest", required=True, type=click.Path(file_okay=False), help="Destination folder.")
@click.option("--server", help="A jwlink server, e.g. http://127.0.0.1:8000.")
@click.option(
    "--data-root",
    type=click.Path(exists=True, file_okay=False),
    help="Without --server: copy from this data root of the --db catalog.",
)
@click.option("--flat", is_flag=True, help="All files in DEST, no sub-folders.")
@click.option(
    "--update",
    is_flag=True,
    help="Fetch only what changed since the download into DEST, and what is new "
    "(no OBS_ID: the observations DEST's files belong to); old copies go to DEST/.jwlink-old/.",
)
@click.option("--replace", is_flag=True, help="With --update: do not keep the old copies.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--token",
    envvar=["JWLINK_TOKEN", "MAST_API_TOKEN"],
    help="Token for exclusive-access files (env JWLINK_TOKEN or MAST_API_TOKEN).",
)
@unchecked_db_option
@json_option
@errors_to_click
def download(
    obs_ids: tuple[str, ...],
    names: tuple[str, ...],
    mrp: bool,
    dest: str,
    server: str | None,
    data_root: str | None,
    flat: bool,
    update: bool,
    replace: bool,
    workers: int,
    token: str | None,
    db: str,
    as_json: bool,
) -> None:
    """Fetch products: resumable, parallel, SHA-256 verified against the manifest.

    Ends with a summary; exits 1 if any file is not in place (not authorized,
    not held, failed, checksum mismatch), counting them by reason. With
    --update, only the files whose SHA-256 (or prvversion) changed in the
    archive since the download into DEST and the files it now has that DEST
    lacks are fetched (see `jwlink check --against`).
    """
    from jwlink.download import HttpSource, LocalSource, Source
    from jwlink.download import download as run

    if replace and not update:
        msg = "--replace goes with --update."
        raise click.UsageError(msg)
    if not obs_ids and not names and not update:
        msg = "Give at least one OBS_ID or --name (or --update DEST's own observations)."
        raise click.UsageError(msg)
    show = sys.stderr.isatty() and not as_json
    client: Any = None
    source: Source
    if server:
        import httpx

        client = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True)
        source = HttpSource(client, server, token)
    elif data_root:
        require_catalog(db)
        source = LocalSource(db, data_root)
    else:
        msg = "Give --server URL, or --db and --data-root for a local catalog."
        raise click.UsageError(msg)
    # A path or URI to a file names the file (jwlink.query.names); the server takes
    # only bare product names, so the client sends the last component.
    from jwlink.query.names import last_component

    names = tuple(last_component(name) for name in names)
    if update:
        try:
            _update(source, client, server, token, (db, data_root), (obs_ids, names, mrp),
                    dest, (flat, replace, workers), as_json)  # fmt: skip
        finally:
            if client is not None:
                client.close()
        return
    bar = _Bar()
    try:
        report = run(source, obs_ids, dest, names, mrp, flat, workers, bar if show else None)
    finally:
        bar.stop()
        if client is not None:
            client.close()
    from jwlink.download.record import Selection, record_download

    # What this folder was downloaded from: `check` and `download --update` compare with it.
    placed = [f.name for f in report.files if f.status in ("downloaded", "resumed", "unchanged")]
    record_download(dest, Selection(obs_ids, names, mrp, flat), placed)
    lines = report.summary() + _token_hint(report, token)
    if as_json:
        print_json({**report.as_dict(), "summary": lines})
    else:
        for item in report.files:
            note = f"  {item.message}" if item.message else ""
            click.echo(f"{item.status:<10} {os.path.relpath(item.path, dest)}{note}")
    # The closing summary goes to stderr under --json, so stdout stays JSON.
    for line in lines:
        click.echo(line, err=as_json)
    if not report.ok:
        sys.exit(1)


def _update(
    source: Any,
    client: Any,
    server: str | None,
    token: str | None,
    local: tuple[str, str | None],
    selection: tuple[tuple[str, ...], tuple[str, ...], bool],
    dest: str,
    how: tuple[bool, bool, int],
    as_json: bool,
) -> None:
    """``download --update``: detect what changed, fetch it alone, say what and exit."""
    from jwlink.download.changes import CatalogArchive, HttpArchive, detect
    from jwlink.download.record import Selection, record_download
    from jwlink.download.update import update

    archive: Any = HttpArchive(client, server, token) if server else CatalogArchive(*local)
    obs_ids, names, mrp = selection
    flat, replace, workers = how
    given = Selection(obs_ids, names, mrp, flat) if obs_ids or names else None
    changes = detect(dest, archive, [given] if given else None, mrp)
    report = update(changes, source, replace, workers)
    placed = [f.name for f in report.files if f.status in ("downloaded", "resumed")]
    record_download(dest, given, placed)
    fetched = report.summary() if report.files else ["nothing to fetch"]
    lines = [changes.summary(), *fetched, *_token_hint(report, token)]
    if changes.gone:
        lines.append(f"{len(changes.gone)} file(s) the archive no longer lists left in place")
    if changes.unchecked:
        lines.append(f"NOT CHECKED: {len(changes.unchecked)} file(s) could not be compared")
    if as_json:
        print_json({"changes": changes.as_dict(), **report.as_dict(), "summary": lines})
    else:
        from jwlink.cli.check import print_changes

        print_changes(changes)
        for item in report.files:
            note = f"  {item.message}" if item.message else ""
            click.echo(f"{item.status:<10} {os.path.relpath(item.path, dest)}{note}")
    for line in lines:
        click.echo(line, err=as_json)
    if not report.ok or changes.unchecked:
        sys.exit(1)


def _token_hint(report: DownloadReport, token: str | None) -> list[str]:
    """Say how to pass a token when exclusive-access files were refused."""
    refused = [f for f in report.files if f.reason == "NOT_AUTHORIZED"]
    if not refused:
        return []
    if token:
        return [
            f"the token given (--token, JWLINK_TOKEN or MAST_API_TOKEN) was refused for "
            f"{len(refused)} file(s): it is not valid, or does not grant their program",
            f"  the archive says: {refused[0].message}",
        ]
    return [
        f"{len(refused)} exclusive-access file(s) need a token granting their program: "
        "pass --token TOKEN, or set JWLINK_TOKEN (or MAST_API_TOKEN)"
    ]
