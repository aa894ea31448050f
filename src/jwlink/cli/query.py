"""Query commands of the ``jwlink`` CLI: products, lineage, mrp, impact (and check, re-exported)."""

from __future__ import annotations

import click

from jwlink.cli.common import (
    db_option,
    errors_to_click,
    json_option,
    print_json,
)
from jwlink.core.model import Kind
from jwlink.query.catalog import Catalog
from jwlink.query.prov import to_prov_json
from jwlink.query.questions import ProductFilters

__all__ = ["impact", "lineage", "mrp", "products"]

_KINDS = click.Choice([k.value for k in Kind] + ["own"])


def _tuple(values: tuple[str, ...]) -> tuple[str, ...] | None:
    return tuple(values) or None


@click.command()
@click.argument("obs_id", required=False)
@click.option("--program", help="List a whole program instead of one observation.")
@click.option("--mrp", "mrp_only", is_flag=True, help="Only minimum recommended products.")
@click.option("--all-duplicates", is_flag=True, help="One row per path to a file, as MAST lists.")
@click.option("--level", multiple=True, help="calib_level (1, 2, 3) or level (1b, 2a, 2b, 2c, 3).")
@click.option("--type", "product_type", multiple=True, help="productType, e.g. SCIENCE.")
@click.option("--suffix", multiple=True, help="File suffix, e.g. cal, i2d, x1d.")
@click.option("--kind", multiple=True, type=_KINDS, help="Kind of link that brought the row in.")
@click.option("--extension", multiple=True, help="File ending, e.g. fits or .json.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--page-size", type=click.IntRange(min=1), help="Rows per page (default all).")
@db_option
@json_option
@errors_to_click
def products(obs_id: str | None, program: str | None, mrp_only: bool, all_duplicates: bool,
             level: tuple[str, ...],
             product_type: tuple[str, ...], suffix: tuple[str, ...], kind: tuple[str, ...],
             extension: tuple[str, ...], page: int, page_size: int | None, db: str,
             as_json: bool) -> None:  # fmt: skip
    """MAST-style product list of an observation (L3: with its members' products)."""
    filters = ProductFilters(
        levels=_tuple(level),
        product_types=_tuple(tuple(t.upper() for t in product_type)),
        suffixes=_tuple(suffix),
        kinds=_tuple(kind),
        extensions=_tuple(extension),
        mrp_only=mrp_only,
    )
    if (obs_id is None) == (program is None):
        msg = "give an OBS_ID or --program, not both"
        raise click.UsageError(msg)
    with Catalog(db, readonly=True) as catalog:
        if program is not None:
            result = catalog.program_products(program, filters, page, page_size)
        else:
            result = catalog.products(str(obs_id), filters, all_duplicates, page, page_size)
    if as_json:
        print_json(result.as_dict())
        return
    for row in result.rows:
        mark = "MRP" if row["productGroupDescription"] else "   "
        state = "present" if row["present"] else "missing"
        click.echo(f"{mark} L{row['level'] or '-':<3} {row['productType']:<9} {state:<8} "
                   f"{row['productFilename']}  [{row['kind'] or 'own'}]")  # fmt: skip
    click.echo(f"{result.total} products")


@click.command()
@click.argument("name")
@click.option("--up", "direction", flag_value="up", default=True, help="Toward the inputs.")
@click.option("--down", "direction", flag_value="down", help="Toward the outputs.")
@click.option("--both", "direction", flag_value="both", help="Both ways from NAME.")
@click.option("--kind", multiple=True, type=click.Choice([k.value for k in Kind]))
@click.option("--depth", type=click.IntRange(min=0), help="At most this many steps.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "prov-json"]), default="text")
@db_option
@json_option
@errors_to_click
def lineage(name: str, direction: str, kind: tuple[str, ...], depth: int | None, fmt: str,
            db: str, as_json: bool) -> None:  # fmt: skip
    """Show the linkage subgraph around a product or observation."""
    with Catalog(db, readonly=True) as catalog:
        result = catalog.lineage(name, direction, kind, depth)
    if fmt == "prov-json":
        print_json(to_prov_json(result))
    elif as_json or fmt == "json":
        print_json(result.as_dict())
    else:
        for edge in result.edges:
            click.echo(f"{edge['source']} -> {edge['target']}  [{edge['kind']}/{edge['role']}]")
        click.echo(f"{len(result.nodes)} products, {len(result.edges)} links, "
                   f"{len(result.observations)} observations")  # fmt: skip


@click.command()
@click.argument("obs_id")
@click.option("--explain", is_flag=True, help="Say which rule decided each product.")
@db_option
@json_option
@errors_to_click
def mrp(obs_id: str, explain: bool, db: str, as_json: bool) -> None:
    """List the minimum recommended products of an observation."""
    with Catalog(db, readonly=True) as catalog:
        result = catalog.mrp(obs_id)
    if as_json:
        print_json(result.as_dict())
    elif explain:
        for row in result.explain:
            click.echo(
                f"{'MRP' if row['mrp'] else '   '} {row['name']}  ({row['rule']}: {row['why']})"
            )
    else:
        for name in result.products:
            click.echo(name)


@click.command()
@click.argument("name")
@db_option
@json_option
@errors_to_click
def impact(name: str, db: str, as_json: bool) -> None:
    """Products affected if this reference file (or any product) changes, transitively."""
    with Catalog(db, readonly=True) as catalog:
        result = catalog.impact(name)
    if as_json:
        print_json(result.as_dict())
        return
    for obs_id, levels in sorted(result.grouped().items()):
        click.echo(obs_id)
        for level, names in sorted(levels.items()):
            click.echo(f"  L{level}: {', '.join(sorted(names))}")
    click.echo(f"{len(result.products)} products affected")
