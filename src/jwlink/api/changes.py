"""``POST /api/v1/changes``: the archive's current SHA-256 and prvversion of files a caller holds.

What ``jwlink check DIR --against URL`` and ``jwlink download --update``
ask: for the names of the files in a folder, each product's checksum and
``prvversion`` now and whether the archive still lists it; and which
products a selection (observations, MRP or all, plus named products; by
default the observations of the held files) holds now, with the status a
manifest would give each (``OK``, ``NOT_HELD``, ``NOT_AUTHORIZED``,
``BAD_NAME``). The facts are those a manifest already shows anyone.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from jwlink.api.access import Principal
from jwlink.api.bodies import BoundedBodyRoute
from jwlink.api.bundles import refusal
from jwlink.api.errors import BadRequest
from jwlink.api.files import may_read
from jwlink.api.state import ServeState, StateDep, clean_text
from jwlink.query.changes import current
from jwlink.query.selection import SelectedFile, is_file_name, name_from_uri, served_path

__all__ = ["ChangesQuery", "router"]

router = APIRouter(prefix="/api/v1", tags=["downloads"], route_class=BoundedBodyRoute)

_Name = Annotated[str, Field(max_length=1024)]


class ChangesQuery(BaseModel):
    """The files a caller holds and the selection they came from."""

    held: list[_Name] = Field(max_length=100_000, description="File names the caller holds")
    obs_ids: list[_Name] | None = Field(
        None, description="Observations of the selection; null: those owning the held files"
    )
    names: list[_Name] = Field([], description="Products the selection names")
    mrp: bool = Field(True, description="Only the minimum recommended products of observations")


def _status(
    item: SelectedFile, state: ServeState, caller: tuple[Principal | None, bool]
) -> tuple[str, str, int | None]:
    """Return ``(status, message, size)`` as the manifest says them for this caller."""
    if not is_file_name(item.name):
        return "BAD_NAME", "the catalog name is not a plain file name", item.size
    real = served_path(item.location, state.data_root)
    if real is None:
        return "NOT_HELD", "the file is not held by this archive", item.size
    size = real.stat().st_size
    if not may_read(item, caller[0]):
        return "NOT_AUTHORIZED", refusal(item, *caller), size
    return "OK", "", size


@router.post("/changes")
def changes(request: Request, state: StateDep, query: ChangesQuery) -> dict[str, Any]:
    """Return the current SHA-256 and prvversion of held files, and what their selection holds.

    ``products`` has one row per held name the archive lists and per product
    of the selection (``name``, ``obs_id``, ``path``, ``size``, ``sha256``,
    ``prvversion``, ``status``, ``message``); ``unknown`` the held names the
    archive does not list; ``selection`` the selection's product names.
    """
    held = [clean_text(n, "held file name") for n in query.held]
    obs_ids = None if query.obs_ids is None else [clean_text(o, "obs_id") for o in query.obs_ids]
    names = [name_from_uri(clean_text(n, "name")) for n in query.names]
    if len(obs_ids or ()) + len(names) > state.max_names:
        msg = f"At most {state.max_names} obs_ids and names per request"
        raise BadRequest(msg)
    caller = state.principal(request)
    with state.pool.store() as store:
        now = current(store, held, obs_ids, names, query.mrp)
    rows = []
    for name, item in sorted(now.files.items()):
        status, message, size = _status(item, state, caller)
        rows.append(
            {
                "name": name,
                "obs_id": item.obs_id,
                "path": item.path(),
                "size": size,
                "sha256": item.sha256,
                "prvversion": now.prvversions.get(name),
                "status": status,
                "message": message,
            }
        )
    return {
        "obs_ids": now.obs_ids,
        "mrp": query.mrp,
        "products": rows,
        "unknown": now.unknown,
        "selection": now.selection,
    }
