"""``jwlink synth``: generate a synthetic archive as files or as catalog rows."""

from __future__ import annotations

import json

import click

from jwlink.errors import JwlinkError
from jwlink.synth.run import generate_catalog, generate_files

__all__ = ["synth"]


@click.command()
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option(
    "--products",
    "products",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="About how many products to make.",
)
@click.option("--catalog-only", is_flag=True, help="Write catalog rows only, no files.")
@click.option(
    "--files",
    "directory",
    type=click.Path(file_okay=False),
    help="Write real files into this folder.",
)
@click.option(
    "--db",
    envvar="JWLINK_DB",
    default="jwlink.db",
    show_default=True,
    help="Catalog for --catalog-only: a SQLite path or postgresql://... (env JWLINK_DB).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON document.")
def synth(
    seed: int, products: int, catalog_only: bool, directory: str | None, db: str, as_json: bool
) -> None:
    """Generate a realistic synthetic JWST archive of about N products.

    Every instrument mode is covered; the same seed and N give the same
    archive. Either write real files (--files DIR, then `jwlink ingest DIR`)
    or put the rows straight into the catalog (--catalog-only).
    """
    if catalog_only == (directory is not None):
        msg = "give exactly one of --catalog-only and --files DIR"
        raise click.UsageError(msg)
    try:
        if directory is not None:
            report = generate_files(directory, seed=seed, products=products)
        else:
            from jwlink.store import open_store

            store = open_store(db)
            try:
                report = generate_catalog(store, seed=seed, products=products)
            finally:
                store.close()
    except JwlinkError as err:
        raise click.ClickException(str(err)) from err
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    where = directory if directory is not None else db
    click.echo(
        f"{report.products} products ({report.files} files) in {report.observations} "
        f"observations of {report.programs} programs, {len(report.modes)} modes -> {where} "
        f"in {report.seconds:.1f} s"
    )
