"""The Python API: `Catalog` answers questions from a store.

Results are plain dicts and lists so they print as JSON and feed astropy
tables unchanged; column names follow MAST where MAST has the concept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from jwlink.query import names, questions
from jwlink.query.lineage import Lineage
from jwlink.query.productlist import ProductList
from jwlink.query.rights import RELEASE_PARAMS, RELEASE_SQL, RIGHTS_PARAMS, RIGHTS_SQL, now_params
from jwlink.query.search import OBS_SELECT, OBSERVATION_COLUMNS, mast_observation, obs_select_params
from jwlink.store import SqlStore, open_store

if TYPE_CHECKING:  # completeness ingests, so it loads every reader (and astropy)
    from jwlink.query.completeness import Completeness

__all__ = ["OBSERVATION_COLUMNS", "Catalog"]

# The rights and release date are those its products give it (jwlink.query.rights).
_OBS_SELECT = (
    "SELECT obs_id, obsid, obs_collection, calib_level, program, instrument_name, filters, "
    "target_name, exp_type, detector, visit_id, intent_type, dataproduct_type, s_ra, s_dec, "
    f"t_min, t_max, t_exptime, is_association, {RIGHTS_SQL}, {RELEASE_SQL} FROM observations"
)
_OBS_FIELDS = (
    "obs_id", "obsid", "obs_collection", "calib_level", "program", "instrument_name", "filters",
    "target_name", "exp_type", "detector", "visit_id", "intent_type", "dataproduct_type", "s_ra",
    "s_dec", "t_min", "t_max", "t_exptime", "is_association", "data_rights", "release_date",
)  # fmt: skip
_PRODUCT_FIELDS = (
    "name", "obs_id", "level", "calib_level", "product_type", "suffix", "extension", "program",
    "visit_id", "filters", "size", "sha256", "location", "prvversion", "data_rights",
    "release_date", "dataproduct_type",
)  # fmt: skip


class Catalog:
    """A jwlink catalog opened from a URL or path (SQLite file or PostgreSQL).

    Parameters
    ----------
    url : str, optional
        ``postgresql://...`` or a SQLite path; default ``$JWLINK_DB`` or
        ``jwlink.db``.
    store : SqlStore, optional
        An already open store (then ``url`` is ignored).
    readonly : bool
        Open without write access; a catalog that is not there is then an
        error (`CatalogMissing`), never created.
    create : bool
        Make the catalog if it is not there (ignored when ``readonly``).
    """

    def __init__(
        self,
        url: str | None = None,
        store: SqlStore | None = None,
        readonly: bool = False,
        create: bool = True,
    ) -> None:
        if store is None:
            store = open_store(url, readonly=readonly, create=create and not readonly)
        self.store = store

    def close(self) -> None:
        """Close the underlying store."""
        self.store.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(
        self, sql: str, params: tuple[Any, ...], names: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        return [dict(zip(names, r, strict=True)) for r in self.store.execute(sql, params)]

    def observations(self, program: str | None = None) -> list[dict[str, Any]]:
        """Return observations with the MAST observation columns.

        Parameters
        ----------
        program : str, optional
            Only observations of this program (``1234`` or ``01234``).

        Returns
        -------
        list of dict
            One dict per observation, keys in MAST's column order.
        """
        sql, params = OBS_SELECT, obs_select_params()
        if program is not None:
            sql, params = sql + " WHERE program = ?", [*params, program.zfill(5)]
        return [mast_observation(r) for r in self.store.execute(sql + " ORDER BY obs_id", params)]

    def resolve(self, name: str) -> tuple[str, str]:
        """Say what a name is: ``("product", name)`` or ``("observation", obs_id)``.

        Raises
        ------
        NotFound
            Nothing in the catalog answers to the name.
        """
        return questions.resolve(self.store, name)

    def products(
        self,
        name: str,
        filters: questions.ProductFilters | None = None,
        all_duplicates: bool = False,
        page: int = 1,
        page_size: int | None = None,
    ) -> ProductList:
        """Return an observation's MAST-style product list (see `questions.product_list`)."""
        return questions.product_list(self.store, name, filters, all_duplicates, page, page_size)

    def program_products(
        self,
        program: str,
        filters: questions.ProductFilters | None = None,
        page: int = 1,
        page_size: int | None = None,
    ) -> ProductList:
        """Return every product of a program once (`questions.program_product_list`)."""
        return questions.program_product_list(self.store, program, filters, page, page_size)

    def lineage(
        self,
        name: str,
        direction: str = "up",
        kinds: Sequence[str] = (),
        depth: int | None = None,
    ) -> Lineage:
        """Return the linkage subgraph around a product or observation."""
        return questions.lineage(self.store, name, direction, kinds, depth)

    def mrp(self, name: str) -> questions.MrpResult:
        """Return an observation's minimum recommended products with explanations."""
        return questions.mrp(self.store, name)

    def impact(self, name: str) -> questions.Impact:
        """Return every product downstream of a file (reference file or product)."""
        return questions.impact(self.store, name)

    def check(self, folder: str) -> Completeness:
        """Ingest a folder and report what its associations miss."""
        from jwlink.query.completeness import check

        return check(self.store, folder)

    def product(self, name: str) -> dict[str, Any]:
        """Return one product's catalog row."""
        rows = self._rows(
            f"SELECT {', '.join(_PRODUCT_FIELDS)} FROM products WHERE name = ?",
            (name,),
            _PRODUCT_FIELDS,
        )
        if not rows:
            raise names.not_found(self.store, name)
        row = rows[0]
        row["present"] = row["location"] is not None
        if row["data_rights"] is None:  # as listings and downloads decide: observation, program
            owner = self.store.execute(
                "SELECT data_rights, release_date FROM observations WHERE obs_id = ?",
                (row["obs_id"],),
            )
            inherited = owner[0] if owner and owner[0][0] else (None, None)
            if inherited[0] is None and row["program"]:
                inherited = questions.program_rights(self.store, row["program"])
            row["data_rights"] = inherited[0] or "PUBLIC"
            row["release_date"] = row["release_date"] or inherited[1]
        elif row["release_date"] is None and row["obs_id"] is not None:
            # Rights without a date (MAST's product tables): the observation's date.
            owner = self.store.execute(
                "SELECT release_date FROM observations WHERE obs_id = ?", (row["obs_id"],)
            )
            row["release_date"] = owner[0][0] if owner else None
        return row

    def observation(self, obs_id: str) -> dict[str, Any]:
        """Return one observation's catalog row with its member observations."""
        params = (*now_params(RIGHTS_PARAMS + RELEASE_PARAMS), obs_id)
        rows = self._rows(_OBS_SELECT + " WHERE obs_id = ?", params, _OBS_FIELDS)
        if not rows:
            raise names.not_found(self.store, obs_id)
        row = rows[0]
        row["is_association"] = bool(row["is_association"])
        row["members"] = self._rows(
            "SELECT member_obs_id, exptype, evidence FROM members WHERE obs_id = ? "
            "ORDER BY member_obs_id, exptype",
            (obs_id,),
            ("obs_id", "exptype", "evidence"),
        )
        row["products"] = [
            r[0]
            for r in self.store.execute(
                "SELECT name FROM products WHERE obs_id = ? ORDER BY name", (obs_id,)
            )
        ]
        return row

    def links(self, name: str) -> dict[str, list[dict[str, Any]]]:
        """Return a product's direct links: ``{"in": [...], "out": [...]}``."""
        fields = ("source", "target", "kind", "role", "evidence")
        select = "SELECT source, target, kind, role, evidence FROM links WHERE "
        return {
            "in": self._rows(select + "target = ? ORDER BY source, kind", (name,), fields),
            "out": self._rows(select + "source = ? ORDER BY target, kind", (name,), fields),
        }

    def show(self, name: str) -> dict[str, Any]:
        """Describe one product (with its direct links) or one observation.

        Parameters
        ----------
        name : str
            A product file name, an observation id or an association product name.

        Returns
        -------
        dict
            ``{"type": "product", "product": {...}, "links": {...}}`` or
            ``{"type": "observation", "observation": {...}}``.
        """
        what, key = self.resolve(name)
        if what == "product":
            return {"type": "product", "product": self.product(key), "links": self.links(key)}
        return {"type": "observation", "observation": self.observation(key)}
