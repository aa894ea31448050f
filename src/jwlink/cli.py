"""The ``jwlink`` command line: a thin shell over the library."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from jwlink import cli_query
from jwlink.catalog import Catalog
from jwlink.cli_common import db_option, errors_to_click, json_option, print_json
from jwlink.ingest import ingest as run_ingest
from jwlink.ingest import iter_files

__all__ = ["main"]


@click.group()
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
@db_option
@json_option
@errors_to_click
def ingest(
    paths: tuple[str, ...], force: bool, generate_associations: bool, db: str, as_json: bool
) -> None:
    """Ingest files and folders: associations, pools, FITS headers, product tables."""
    with Catalog(db) as catalog, tempfile.TemporaryDirectory() as tmp:
        inputs = list(paths)
        if generate_associations:
            from jwlink.ingest.generate import generate_associations as generate

            pools = [p for p in iter_files(paths) if p.name.lower().endswith(".csv")]
            for pool in pools:
                inputs += [str(p) for p in generate(pool, Path(tmp) / pool.stem)]
        show = sys.stderr.isatty() and not as_json
        report = _ingest_with_progress(catalog, inputs, show=show, force=force)
    if as_json:
        print_json(report.as_dict())
    else:
        click.echo(
            f"{report.files} files: {report.ingested} ingested, {report.unchanged} unchanged, "
            f"{report.ignored} ignored, {len(report.errors)} failed; "
            f"{report.products} products, {report.links} links"
        )
        for path, message in report.errors:
            click.echo(f"error: {path}: {message}", err=True)
    if report.errors:
        sys.exit(1)


def _ingest_with_progress(catalog: Catalog, inputs: list[str], show: bool, force: bool) -> Any:
    if not show:
        return run_ingest(catalog.store, inputs, force=force)
    from rich.progress import Progress

    total = sum(1 for _ in iter_files(inputs))
    with Progress(transient=True) as progress:
        task = progress.add_task("ingesting", total=total)
        return run_ingest(
            catalog.store, inputs, progress=lambda _: progress.advance(task), force=force
        )


@main.command()
@click.option("--program", help="Only observations of this program.")
@db_option
@json_option
@errors_to_click
def observations(program: str | None, db: str, as_json: bool) -> None:
    """List observations with the MAST observation columns."""
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
    from jwlink.demo import prepare

    click.echo(f"preparing the demo archive in {directory} ...", err=True)
    state = prepare(directory)
    verb = "reused" if state.reused else "made"
    counts = state.report
    click.echo(
        f"{verb} {state.data} ({len(state.modes)} instrument modes); catalog {state.db}: "
        f"{counts.ingested} files ingested, {counts.unchanged} unchanged"
    )
    base = f"http://{host}:{port}"
    click.echo(f"\njwlink demo at {base}/  (API: {base}/api/v1/, OpenAPI: {base}/openapi.json)")
    click.echo("Three things to try:")
    for number, idea in enumerate(state.things_to_try(base), start=1):
        click.echo(f"  {number}. {idea}")
    if no_serve:
        return
    import uvicorn

    from jwlink.api import create_app

    app = create_app(str(state.db), data_root=state.data)
    uvicorn.run(app, host=host, port=port, log_level="warning")


for _command in (cli_query.products, cli_query.lineage, cli_query.mrp, cli_query.impact,
                 cli_query.check):  # fmt: skip
    main.add_command(_command)

from jwlink import cli_serve  # noqa: E402 - HTTP commands register after the core ones

main.add_command(cli_serve.serve)
main.add_command(cli_serve.download)
main.add_command(cli_serve.token_hash)

from jwlink.synth.cli import synth  # noqa: E402 - registered with the other commands

main.add_command(synth)
