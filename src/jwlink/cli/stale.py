"""``jwlink stale``: products a target CRDS context would calibrate with other files."""

from __future__ import annotations

import click

from jwlink.cli.common import db_option, errors_to_click, json_option, print_json

__all__ = ["stale"]


@click.command()
@click.option(
    "--context",
    default=None,
    metavar="CONTEXT",
    help="Target CRDS context, e.g. jwst_0541.pmap (default: the cache's operational one).",
)
@click.option(
    "--crds-path",
    default=None,
    metavar="DIR",
    envvar="CRDS_PATH",
    help="The CRDS cache (mappings/jwst/, config/jwst/); default $CRDS_PATH.",
)
@db_option
@json_option
@errors_to_click
def stale(context: str | None, crds_path: str | None, db: str, as_json: bool) -> None:
    """Products calibrated with reference files the target CRDS context no longer selects.

    Exits 1 when a product is stale (or its header cannot be decided).
    """
    from jwlink.query.catalog import Catalog  # noqa: PLC0415
    from jwlink.stale import check  # noqa: PLC0415
    from jwlink.stale.selection import CrdsCache  # noqa: PLC0415 - crds is an optional extra

    selector = CrdsCache(crds_path).selector(context)
    with Catalog(db, readonly=True) as catalog:
        report = check(catalog.store, selector)
    if as_json:
        print_json(report.as_dict())
    else:
        _print(report)
    if report.anything_stale or report.undecided:
        raise SystemExit(1)


def _print(report: object) -> None:
    from jwlink.stale import StaleReport  # noqa: PLC0415

    assert isinstance(report, StaleReport)  # noqa: S101 - for the type checker
    for product in report.products:
        click.echo(f"{product.name}  (calibrated under {product.context})")
        for c in product.changes:
            since = f"  delivered in {c.delivered_in}" if c.delivered_in else ""
            since += f" ({c.delivered_on})" if c.delivered_on else ""
            click.echo(f"  {c.reftype}: {c.used} -> {c.best}{since}")
        for bad in product.bad_files:
            click.echo(f"  {bad} is on the CRDS bad-files list")
    for product in report.undecided:
        for reftype, keywords in sorted(product.missing.items()):
            click.echo(f"{product.name}: cannot decide {reftype}: the header lacks "
                       f"{', '.join(keywords)}")  # fmt: skip
    if not report.checked and not report.later:
        click.echo(
            "no product of this catalog has a kept CRDS header (CRDS_CTX, R_*): FITS "
            "files ingested before jwlink kept them need `jwlink ingest --force`"
        )
    if report.later:
        click.echo(f"{report.later} products calibrated under a later context than "
                   f"{report.context}: not compared")  # fmt: skip
    click.echo(f"{len(report.products)} of {report.checked} products stale under "
               f"{report.context} ({report.selections} distinct selections)")  # fmt: skip
    if report.products:
        click.echo(f"to reprocess: {len(report.impact.products)} products")
        for obs_id, levels in sorted(report.impact.grouped().items()):
            click.echo(f"  {obs_id}")
            for level, names in sorted(levels.items()):
                click.echo(f"    L{level}: {', '.join(sorted(names))}")
