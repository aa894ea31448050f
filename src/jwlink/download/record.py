"""The record ``jwlink download`` keeps in a folder: what it selected, which files it placed.

``DIR/.jwlink-download.json`` (hidden: ingest and check skip it) holds
every selection downloaded into DIR (observations, MRP or all, named
products, layout) and the names of the files put in place. ``jwlink check``
and ``jwlink download --update`` read it: the selection says which files the
archive now has that count as *new*, the names which files the archive no
longer lists count as *gone* (a file the archive never listed is the user's).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jwlink.errors import JwlinkError

__all__ = ["RECORD", "Record", "Selection", "read_record", "record_download"]

RECORD = ".jwlink-download.json"


@dataclass(frozen=True)
class Selection:
    """What a download selected: observations (MRP or all), named products, layout."""

    obs_ids: tuple[str, ...]
    names: tuple[str, ...] = ()
    mrp: bool = True
    flat: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON form, as the record keeps it."""
        return {"obs_ids": list(self.obs_ids), "names": list(self.names),
                "mrp": self.mrp, "flat": self.flat}  # fmt: skip


@dataclass
class Record:
    """What ``jwlink download`` put in a folder: its selections and the files it placed."""

    selections: list[Selection] = field(default_factory=list)
    files: set[str] = field(default_factory=set)


def read_record(folder: str | os.PathLike[str]) -> Record:
    """Return the download record of a folder (empty: none).

    Raises
    ------
    JwlinkError
        The record is not the JSON ``{"selections": [{"obs_ids", "names",
        "mrp", "flat"}], "files": [name, ...]}``.
    """
    path = Path(folder) / RECORD
    if not path.is_file():
        return Record()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        selections = [
            Selection(
                tuple(map(str, s["obs_ids"])),
                tuple(map(str, s.get("names", []))),
                bool(s.get("mrp", True)),
                bool(s.get("flat", False)),
            )  # fmt: skip
            for s in doc["selections"]
        ]
        return Record(selections, {str(n) for n in doc.get("files", [])})
    except (OSError, ValueError, KeyError, TypeError) as err:
        msg = (
            f"{path}: not a download record ({type(err).__name__}: {err}); expected "
            '{"selections": [{"obs_ids": [...], "names": [...], "mrp": true, "flat": false}], '
            '"files": [...]}'
        )
        raise JwlinkError(msg) from err


def record_download(
    folder: str | os.PathLike[str], selection: Selection | None, placed: Sequence[str]
) -> None:
    """Add a download's selection and the names of the files it placed to the folder's record."""
    record = read_record(folder)
    if selection is not None and selection not in record.selections:
        record.selections.append(selection)
    record.files.update(placed)
    doc = {
        "selections": [s.as_dict() for s in record.selections],
        "files": sorted(record.files),
    }
    path = Path(folder) / RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    temporary.replace(path)
