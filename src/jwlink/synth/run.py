"""The two synthesizer outputs: files on disk, or rows straight into a catalog.

Both walk the same schedule, program by program and observation by
observation, and turn the same items into files or into evidence, so memory
stays flat however many products are asked for.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jwlink.store.base import SqlStore
from jwlink.synth.documents import MAST_COLUMNS, POOL_COLUMNS
from jwlink.synth.feed import CatalogFeeder, named
from jwlink.synth.items import Item, estimated_size, mast_row
from jwlink.synth.modes import DATAPRODUCT
from jwlink.synth.products import References, observation_files
from jwlink.synth.schedule import schedule
from jwlink.synth.writer import write_item, write_table

__all__ = ["SynthReport", "generate_catalog", "generate_files"]


@dataclass
class SynthReport:
    """What one synthesizer run made.

    ``products`` counts the distinct product (file) names generated, the same
    for both outputs; ``files`` is 0 for a catalog-only run.
    """

    programs: int = 0
    observations: int = 0
    files: int = 0
    products: int = 0
    modes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        return asdict(self)


def generate_files(
    directory: str | os.PathLike[str], seed: int = 1, products: int = 2000
) -> SynthReport:
    """Write a synthetic JWST archive of about ``products`` products as real files.

    Layout: ``DIR/<program>/`` holds the program's exposures, products,
    associations, previews, its pool and its MAST product list
    (``mast_products_jw<ppppp>.ecsv``); ``DIR/crds/`` the reference files;
    ``DIR/engdb/`` Engineering Database responses over some visits.

    Parameters
    ----------
    directory : str or PathLike
        Folder to write into (created if needed).
    seed : int
        Same seed and ``products`` give byte-identical files.
    products : int
        Requested number of products (the catalog ends within about 20 %).

    Returns
    -------
    SynthReport
        Counts and the time taken.
    """
    started = time.perf_counter()
    root = Path(directory)
    (root / "crds").mkdir(parents=True, exist_ok=True)
    report, modes, references = SynthReport(), set(), References()
    for scheduled in schedule(seed, products):
        program = scheduled.program
        folder = root / program.id
        folder.mkdir(exist_ok=True)
        rows: list[dict[str, Any]] = []
        with (folder / program.pool).open("w", encoding="utf-8", newline="\n") as pool:
            pool.write("|".join(POOL_COLUMNS) + "\n")
            for plan in scheduled.plans(seed):
                files = observation_files(plan, program, references)
                pool.writelines("|".join(row) + "\n" for row in files.pool_rows)
                for item in files.items:
                    size = write_item(item, _folder(root, folder, item) / item.name)
                    report.files += 1
                    if item.owner is not None:
                        rows.append(mast_row(item, program, DATAPRODUCT[plan.mode], size))
                    report.products += 1
                report.observations += 1
                modes.add(plan.mode)
        report.files += 2  # the pool and the product list
        report.products += 2
        write_table(rows, MAST_COLUMNS, folder / program.table)
        report.programs += 1
    report.modes = sorted(modes)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _folder(root: Path, program: Path, item: Item) -> Path:
    """Where an item is written: its program's folder, crds/ or engdb/ (shared by all)."""
    if item.shared:
        return root / "crds"
    if item.kind == "engdb":
        # Telemetry is the observatory's, not a program's; named as MAST names it.
        (root / "engdb").mkdir(exist_ok=True)
        return root / "engdb"
    return program


def generate_catalog(store: SqlStore, seed: int = 1, products: int = 2000) -> SynthReport:
    """Write the catalog rows of a synthetic archive without writing any file.

    Builds the evidence `generate_files` followed by `jwlink.ingest.ingest`
    would read (headers, associations, pools, product lists) and links it
    with the real linker, so both give the same products and links; only
    locations, checksums and sizes (estimated here) differ.

    Parameters
    ----------
    store : SqlStore
        An open, migrated catalog.
    seed : int
        Same seed and ``products`` give the same rows.
    products : int
        Requested number of products.

    Returns
    -------
    SynthReport
        Counts (``files`` is 0) and the time taken.
    """
    started = time.perf_counter()
    feeder = CatalogFeeder(store)
    report, modes, references = SynthReport(), set(), References()
    for scheduled in schedule(seed, products):
        program = scheduled.program
        pool_line, table_line, visits = 2, 1, []
        for plan in scheduled.plans(seed):
            files = observation_files(plan, program, references)
            pool_line = feeder.pool(program.pool, pool_line, files.pool_rows)
            rows = []
            for item in files.items:
                feeder.item(item)
                report.products += 1
                if item.owner is not None:
                    rows.append(
                        mast_row(item, program, DATAPRODUCT[plan.mode], estimated_size(item))
                    )
            # The product list is read after the files, as ingest reads it last.
            table_line = feeder.listed(program.table, table_line, rows)
            visits += files.visits
            report.observations += 1
            modes.add(plan.mode)
        # The pool is named by the associations; the product list only by itself.
        feeder.add(named(program.table))
        feeder.flush()
        store.link_guide_stars(visits)
        store.link_windows()
        report.products += 2
        report.programs += 1
    store.optimize()  # first: the lists are ranked with the new sizes known
    store.refresh_listings()
    report.modes = sorted(modes)
    report.seconds = round(time.perf_counter() - started, 3)
    return report
