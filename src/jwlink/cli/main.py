"""The ``jwlink`` command line: a thin shell over the library.

Every command starts fast: this module imports only click, and a command
imports what it needs when it runs. Commands that live in other modules are
listed here with their one-line help and imported only when invoked, so
``jwlink --help`` loads none of them (tests/test_cli_start.py checks both).
"""

from __future__ import annotations

import shlex
import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

import click

from jwlink.cli.common import (
    db_option,
    errors_to_click,
    ingest_db_option,
    internal_errors,
    json_option,
    print_json,
)

if TYPE_CHECKING:
    from jwlink.ingest.run import IngestReport
    from jwlink.query.catalog import Catalog

__all__ = ["LAZY_COMMANDS", "main"]

# Commands of other modules: name -> ("module:attribute", one-line help).
# The help is what `jwlink --help` lists without importing the module; a test
# checks it against each command's own docstring.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "products": ("jwlink.cli.query:products",
                 "MAST-style product list of an observation (L3: with its members' products)."),
    "lineage": ("jwlink.cli.query:lineage",
                "Show the linkage subgraph around a product or observation."),
    "mrp": ("jwlink.cli.query:mrp", "List the minimum recommended products of an observation."),
    "impact": ("jwlink.cli.query:impact",
               "Products affected if this reference file (or any product) changes, transitively."),
    "stale": ("jwlink.cli.stale:stale",
              "Products calibrated with reference files the target CRDS context "
              "no longer selects."),
    "check": ("jwlink.cli.check:check",
              "Completeness of a folder of JWST files: present, missing, extra, changed, MRP."),
    "serve": ("jwlink.cli.serve:serve",
              "Serve the catalog over HTTP: JSON API, MAST-compatible API, DataLink, downloads."),
    "download": ("jwlink.cli.download:download",
                 "Fetch products: resumable, parallel, SHA-256 verified against the manifest."),
    "token-hash": ("jwlink.cli.serve:token_hash",
                   "Print the token-file line for TOKEN granting PROGRAMS (``*`` = all)."),
    "synth": ("jwlink.cli.synth:synth",
              "Generate a realistic synthetic JWST archive of about N products."),
}  # fmt: skip


class LazyGroup(click.Group):
    """A group that imports a command's module only when the command is used.

    The pattern of click's documentation ("Lazily Loading Subcommands"), with
    the listing of ``--help`` taken from `LAZY_COMMANDS` instead of the
    commands themselves (listing them would import them all).
    """

    def invoke(self, ctx: click.Context) -> Any:
        # Every command, decorated or not, keeps the error contract (exit 1 or 2).
        with internal_errors():
            return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, _, attribute = LAZY_COMMANDS[cmd_name][0].partition(":")
            self.add_command(getattr(import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in LAZY_COMMANDS and name not in self.commands:
                # Shortened as click shortens a command's own help.
                text = click.Command(name, help=LAZY_COMMANDS[name][1]).get_short_help_str(limit)
            else:
                command = self.commands[name]
                if command.hidden:
                    continue
                text = command.get_short_help_str(limit)
            rows.append((name, text))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(package_name="jwlink")
def main() -> None:
    """jwlink: the JWST data-product linkage archive."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--force", is_flag=True, help="Re-read files the catalog already holds unchanged.")
@click.option(
    "--generate-associations",
    is_flag=True,
    help="Also run the jwst association generator on each pool (needs jwlink[pipeline]).",
)
@click.option(
    "--files-per-commit",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Files written per transaction, their rows as one batch (1: a commit per file).",
)
@click.option(
    "--hash-threads",
    type=click.IntRange(min=0),
    default=None,
    help="Threads hashing files of 1 MiB or more ahead of the one being linked "
    "[default: one per core; 0: none].",
)
@click.option(
    "--read-processes",
    type=click.IntRange(min=0),
    default=None,
    help="Worker processes reading small FITS files ahead of the one being written "
    "[default: one per core; 0: none].",
)
@ingest_db_option
@json_option
@errors_to_click
def ingest(
    paths: tuple[str, ...],
    force: bool,
    generate_associations: bool,
    files_per_commit: int,
    hash_threads: int | None,
    read_processes: int | None,
    db: str,
    as_json: bool,
) -> None:
    """Ingest files and folders: associations, pools, FITS headers, product tables.

    Files that are not JWST products (no JWST name and nothing JWST in
    them) are passed over and listed. Files are committed in groups (at
    most --files-per-commit files, or one second of work). Ctrl-C stops
    after rolling back the group being written: what was committed stays,
    and running the same command again completes the ingest (exit status
    130).
    """
    try:
        report = _ingest(
            paths,
            force,
            generate_associations,
            (files_per_commit, hash_threads, read_processes),
            db,
            as_json,
        )
    except KeyboardInterrupt as stop:
        # Only a loaded ingest module can have raised its IngestInterrupted;
        # an interrupt while the readers were still importing wrote nothing.
        run = sys.modules.get("jwlink.ingest.run")
        if run is None or not isinstance(stop, run.IngestInterrupted):
            click.echo("interrupted before any file was ingested: nothing to keep", err=True)
            sys.exit(130)
        _print_ingest(stop.report, as_json)
        click.echo(
            f"interrupted: kept the {_files(stop.report.ingested)} this run committed (the "
            "files not yet committed were rolled back); run the same command again to "
            "complete the ingest",
            err=True,
        )
        sys.exit(130)
    _print_ingest(report, as_json)
    if report.errors or report.skipped:
        # The whole truth: a file named as evidence that was not ingested fails the run.
        sys.exit(1)


def _ingest(
    paths: tuple[str, ...],
    force: bool,
    generate_associations: bool,
    group: tuple[int, int | None, int | None],
    db: str,
    as_json: bool,
) -> IngestReport:
    import tempfile
    from pathlib import Path

    from jwlink.ingest.run import iter_files
    from jwlink.query.catalog import Catalog

    with Catalog(db) as catalog, tempfile.TemporaryDirectory() as tmp:
        inputs = list(paths)
        if generate_associations:
            from jwlink.readers.generate import generate_associations as generate

            pools = [p for p in iter_files(paths) if p.name.lower().endswith(".csv")]
            for pool in pools:
                inputs += [str(p) for p in generate(pool, Path(tmp) / pool.stem)]
        show = sys.stderr.isatty() and not as_json
        return _ingest_with_progress(catalog, inputs, show=show, force=force, group=group)


def _print_ingest(report: IngestReport, as_json: bool) -> None:
    if as_json:
        print_json(report.as_dict())
        return

    def count(value: int | None) -> str:
        return "?" if value is None else str(value)

    skipped = f", {len(report.skipped)} skipped (not regular files)" if report.skipped else ""

    click.echo(
        f"{report.files} files: {report.ingested} ingested, {report.unchanged} unchanged "
        f"(already in the catalog), {len(report.errors)} failed{skipped}; the catalog gained "
        f"{count(report.products)} products and {count(report.links)} links"
    )
    if report.passed_over:
        click.echo(
            f"passed over {_files(report.passed_over)} that are not JWST products: "
            f"{_some(report.passed_over)}"
        )
    if report.unknown_suffix:
        click.echo(
            f"{_files(report.unknown_suffix)} ingested with a JWST name whose suffix "
            f"jwlink does not know (kept as auxiliary products): {_some(report.unknown_suffix)}"
        )
    for path, message in report.errors:
        click.echo(f"error: {path}: {message}", err=True)
    for path, reason in report.skipped:
        click.echo(f"skipped: {path}: {reason}", err=True)


def _files(count: int | list[str]) -> str:
    number = count if isinstance(count, int) else len(count)
    return f"{number} file{'s' if number != 1 else ''}"


def _some(paths: list[str], shown: int = 5) -> str:
    listed = ", ".join(paths[:shown])
    rest = len(paths) - shown
    return f"{listed} and {rest} more (--json lists all)" if rest > 0 else listed


def _ingest_with_progress(
    catalog: Catalog,
    inputs: list[str],
    show: bool,
    force: bool,
    group: tuple[int, int | None, int | None],
) -> IngestReport:
    from jwlink.ingest.run import ingest as run_ingest
    from jwlink.ingest.run import iter_files

    if not show:
        return run_ingest(
            catalog.store,
            inputs,
            force=force,
            group_files=group[0],
            threads=group[1],
            processes=group[2],
        )
    import time

    from rich.progress import Progress

    total = sum(1 for _ in iter_files(inputs))
    # Refreshed by the ingest's own thread, not rich's: worker processes are
    # forked only from a process that runs no other thread.
    with Progress(transient=True, auto_refresh=False) as progress:
        task = progress.add_task("ingesting", total=total)
        shown_at = [0.0]

        def advance(_: object) -> None:
            progress.advance(task)
            if time.monotonic() - shown_at[0] >= 0.1:
                shown_at[0] = time.monotonic()
                progress.refresh()

        return run_ingest(
            catalog.store,
            inputs,
            progress=advance,
            force=force,
            group_files=group[0],
            threads=group[1],
            processes=group[2],
        )


@main.command()
@click.option("--program", help="Only observations of this program.")
@db_option
@json_option
@errors_to_click
def observations(program: str | None, db: str, as_json: bool) -> None:
    """List observations with the MAST observation columns."""
    from jwlink.query.catalog import Catalog

    with Catalog(db) as catalog:
        rows = catalog.observations(program=program)
    if as_json:
        print_json({"observations": rows})
        return
    for row in rows:
        # The rights downloads enforce: exclusive until the release date, if one is known.
        rights = row["dataRights"]
        if rights != "PUBLIC":
            rights += f" until {row['t_obs_release']}" if row["t_obs_release"] else " (no date)"
        click.echo(
            f"{row['obs_id']:<60} L{row['calib_level']} {row['instrument_name'] or '':<14} "
            f"{row['filters'] or '':<20} {rights}"
        )


@main.command()
@click.argument("name")
@db_option
@json_option
@errors_to_click
def show(name: str, db: str, as_json: bool) -> None:
    """Show one product (with its direct links) or one observation."""
    from jwlink.query.catalog import Catalog

    with Catalog(db) as catalog:
        doc = catalog.show(name)
    if as_json:
        print_json(doc)
        return
    if doc["type"] == "product":
        product = doc["product"]
        for key, value in product.items():
            click.echo(f"{key:>16}: {value}")
        for direction, arrow in (("in", "<-"), ("out", "->")):
            for link in doc["links"][direction]:
                other = link["source"] if direction == "in" else link["target"]
                click.echo(
                    f"  {arrow} {other}  [{link['kind']}/{link['role']}]  {link['evidence']}"
                )
        return
    obs = doc["observation"]
    for key, value in obs.items():
        if key not in ("members", "products"):
            click.echo(f"{key:>16}: {value}")
    for member in obs["members"]:
        click.echo(f"  member {member['obs_id']} ({member['exptype']})")
    for product in obs["products"]:
        click.echo(f"  product {product}")


@main.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--dir", "directory", default="jwlink-demo", show_default=True, type=click.Path(file_okay=False)
)
@click.option("--no-serve", is_flag=True, help="Prepare the archive and catalog, then exit.")
@errors_to_click
def demo(port: int, host: str, directory: str, no_serve: bool) -> None:
    """Synthesize a small archive of every instrument mode, ingest it, serve it."""
    from jwlink.cli.demo import prepare

    click.echo(f"preparing the demo archive in {directory} ...", err=True)
    state = prepare(directory)
    verb = "reused" if state.reused else "made"
    counts = state.report
    click.echo(
        f"{verb} {state.data} ({len(state.modes)} instrument modes); catalog {state.db}: "
        f"{counts.ingested} files ingested, {counts.unchanged} unchanged"
    )
    db = shlex.quote(str(state.db))
    click.echo("\nFor the other jwlink commands (observations, show, products, ...) to read it:")
    click.echo(f"  export JWLINK_DB={db}")
    base = f"http://{host}:{port}"
    if state.exclusive_programs:
        click.echo(
            f"Programs {', '.join(state.exclusive_programs)} are exclusive access: their files "
            "need the demo's token, e.g.\n"
            f"  JWLINK_TOKEN=$(cat {shlex.quote(str(state.token_file))}) jwlink download ..."
        )
    if no_serve:
        where = "" if (host, port) == ("127.0.0.1", 8000) else f" --host {host} --port {port}"
        data, tokens = shlex.quote(str(state.data)), shlex.quote(str(state.tokens))
        click.echo(
            f"To serve it:\n  jwlink serve --db {db} --data-root {data} --tokens {tokens}{where}"
        )
        click.echo("\nThree things to try once it is served:")
    else:
        click.echo(f"\njwlink demo at {base}/  (API: {base}/api/v1/, OpenAPI: {base}/openapi.json)")
        click.echo("Three things to try:")
    for number, idea in enumerate(state.things_to_try(base), start=1):
        click.echo(f"  {number}. {idea}")
    crds_path = shlex.quote(str(state.directory / "crds"))
    if state.crds_cache is not None:
        click.echo(
            f"Stale products (needs jwlink[crds]): jwlink stale --context jwst_0541.pmap "
            f"--crds-path {crds_path} --db {db}"
        )
    else:
        click.echo(
            "No CRDS cache found for `jwlink stale` (set CRDS_PATH to one holding "
            f"jwst_0541.pmap, then run jwlink demo again to link it as {crds_path})"
        )
    if no_serve:
        return
    import uvicorn

    from jwlink.api.hosts import default_allowed
    from jwlink.api.protocol import PROTOCOL
    from jwlink.app import create_app

    # The allow-list and head time limit of `jwlink serve`: a web page's DNS
    # rebinding must not reach a demo on 127.0.0.1 either.
    app = create_app(str(state.db), data_root=state.data, tokens=state.tokens,
                     allowed_hosts=default_allowed(host))  # fmt: skip
    uvicorn.run(app, host=host, port=port, log_level="warning", http=PROTOCOL)
