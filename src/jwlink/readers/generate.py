"""Generate associations from a pool with the jwst package (optional extra)."""

from __future__ import annotations

import os
from pathlib import Path

from jwlink.errors import MissingExtra, PoolError

__all__ = ["generate_associations"]

_INSTALL = (
    "generating associations needs the jwst package: install the extra with "
    "`pip install 'jwlink[pipeline]'` (or `pip install jwst`)"
)


def generate_associations(
    pool: str | os.PathLike[str], outdir: str | os.PathLike[str], version_id: str | None = None
) -> list[Path]:
    """Run jwst's own association generator on a pool and write its associations.

    Parameters
    ----------
    pool : str or PathLike
        An association pool file (``*_pool.csv``).
    outdir : str or PathLike
        Folder the ``*_asn.json`` files are written to.
    version_id : str, optional
        DMS time stamp to put in the file names (as ``asn_generate --version-id``).

    Returns
    -------
    list of Path
        The association files written.

    Raises
    ------
    MissingExtra
        The jwst package is not installed.
    PoolError
        The generator rejected the pool.
    """
    try:
        from jwst.associations import AssociationPool
        from jwst.associations.generator.generate_per_candidate import generate_per_candidate
    except ImportError as err:
        raise MissingExtra(_INSTALL) from err
    try:
        asn_pool = AssociationPool.read(str(pool))
        associations = generate_per_candidate(asn_pool, None, version_id=version_id)
    except Exception as err:  # the generator raises whatever its rules raise
        raise PoolError(str(pool), f"jwst association generator failed: {err}") from err
    written = []
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for asn in associations:
        name, text = asn.dump()
        target = out / Path(name).name
        if not target.name.endswith(".json"):
            target = target.with_name(target.name + ".json")
        target.write_text(text)
        written.append(target)
    return written
