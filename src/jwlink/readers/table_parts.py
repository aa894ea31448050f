"""Big CSV product tables, read a chunk at a time (`ProductChunks`): memory stays bounded.

A product table is read twice (`jwlink.ingest.run`): the first reading checks
every row and keeps what rows need of other rows (`linker.listed_owners`),
the second links it a part at a time. astropy reads CSV in chunks of text
(``fast_reader={"chunk_size": ...}``), inferring each chunk's column types on
its own; the rows are those of the whole table only when every chunk infers
what the whole would. When the first reading cannot promise that (a column
read as numbers in one chunk and text in another, a quoted field spanning
lines, text that is not UTF-8, a chunk astropy's fast reader refuses) it
raises `Unsteady`, and the table is read whole (`read_product_table`), as
before: same rows, same errors.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from astropy.io import ascii as astropy_ascii
from astropy.table import Table

from jwlink.core.model import ListedProduct
from jwlink.errors import InputError, ProductTableError
from jwlink.readers.regular import open_regular
from jwlink.readers.table import REQUIRED_COLUMNS, cell_value, refuse_text_hazards
from jwlink.readers.table import checked_row as _checked

__all__ = ["CHUNK_CHARS", "STREAM_BYTES", "ProductChunks", "Unsteady", "streams"]

# CSV product tables at least this large are read in chunks; smaller ones
# whole (astropy holds ~12x a CSV's bytes: 8 MB costs ~100 MB at most).
STREAM_BYTES = 8 << 20
# Characters of CSV a chunk holds (~30,000 MAST rows).
CHUNK_CHARS = 4 << 20
# The first lines read as the whole reading reads them, to compare columns.
_HEAD_BYTES = 1 << 16
_HEAD_LINES = 50


class Unsteady(Exception):
    """The chunks cannot promise the whole table's rows: read it whole instead."""


def streams(path: Path, size: int) -> bool:
    """Return whether a product table is read in chunks (a CSV of `STREAM_BYTES` or more)."""
    return path.suffix.lower() == ".csv" and size >= STREAM_BYTES


class _Hashing(io.RawIOBase):
    """A binary file that feeds a digest every byte read and watches CSV quotes.

    ``spans_lines`` turns True when a line ends inside a quoted field (an odd
    number of ``"`` since the last line end outside quotes): astropy cuts
    chunks at any newline, so such a table cannot be read in chunks.
    """

    def __init__(self, raw: io.BufferedIOBase | Any, digest: Any) -> None:
        super().__init__()
        self._raw = raw
        self._digest = digest
        self._odd = False  # inside a quoted field
        self.spans_lines = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if self._digest is not None:
            self._digest.update(data)
        if b'"' in data or self._odd:
            for piece in data.split(b"\n")[:-1]:
                self._odd ^= piece.count(b'"') % 2 == 1
                self.spans_lines |= self._odd
            self._odd ^= data.rsplit(b"\n", 1)[-1].count(b'"') % 2 == 1
        return n


class ProductChunks:
    """A CSV MAST product table, read a chunk at a time, as often as asked (`rows`).

    Parameters
    ----------
    path : str or PathLike
        The table.
    chunk_chars : int, optional
        Characters of CSV per chunk (`CHUNK_CHARS`; tests use small ones).
    """

    def __init__(self, path: str | os.PathLike[str], chunk_chars: int | None = None) -> None:
        self.path = Path(path)
        self.chunk_chars = CHUNK_CHARS if chunk_chars is None else chunk_chars
        # Column -> dtype kind, from the first reading (None until it ends).
        self._kinds: dict[str, str] | None = None
        self._header: list[str] = []

    def rows(self, digest: Any = None) -> Iterator[ListedProduct]:
        """Yield the table's rows, checked as `read_product_table` checks them.

        The first reading checks every row; a bad row stops the rows yielded
        but not the reading, which must still learn whether the chunks read
        the table as a whole reading would.

        Parameters
        ----------
        digest : hashlib hash, optional
            Fed every byte of the file as it is read.

        Raises
        ------
        Unsteady
            First reading only: the chunks may not give the whole table's rows.
        ProductTableError
            Missing ``productFilename`` or a bad row (its number named), as
            `read_product_table` says it; later readings: rows read otherwise
            than the first time (the file changed).
        """
        first = self._kinds is None
        if first:
            refuse_text_hazards(self.path)
            self._header = self._whole_header()
        kinds: dict[str, str] = {}
        failed: ProductTableError | None = None
        number = 0
        with open_regular(self.path) as handle:
            raw = _Hashing(handle, digest)
            # As astropy opens a path (get_readable_fileobj): locale text, universal newlines.
            text = io.TextIOWrapper(io.BufferedReader(raw))
            for chunk in self._chunks(text, first):
                names = self._steady(chunk, kinds, first)
                if failed is None:
                    failed = self._missing(names)
                for row in chunk:
                    number += 1
                    if failed is not None:
                        continue  # the first reading reads on: is the table steady?
                    columns = {name: cell_value(row[name]) for name in names}
                    try:
                        columns = _checked(self.path, number, columns)
                    except ProductTableError as err:
                        if not first:
                            raise
                        failed = err
                        continue
                    yield ListedProduct(source=self.path.name, line=number, columns=columns)
            if raw.spans_lines:
                raise self._unsteady(first, "a quoted field spans lines")
        if first:
            self._kinds = kinds
        if failed is not None:
            raise failed

    def _whole_header(self) -> list[str]:
        """Return the columns the whole reading finds, from the table's first lines.

        The whole reading lets astropy guess (and refuse odd headers); the
        chunks do not. A head it refuses, or reads otherwise, is `Unsteady`.
        """
        with open_regular(self.path) as handle:
            head = handle.read(_HEAD_BYTES)
        lines = head.splitlines(keepends=True)[:_HEAD_LINES]
        if len(head) == _HEAD_BYTES:
            lines = lines[:-1]  # maybe cut
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # What Table.read(path, format="ascii.csv") runs, guessing included.
                table = astropy_ascii.read(
                    [*b"".join(lines).decode().splitlines(), ""], format="csv"
                )
        except Exception as err:  # noqa: BLE001 - the whole reading says what is wrong
            msg = f"its first lines: astropy: {type(err).__name__}"
            raise Unsteady(msg) from err
        names: list[str] = table.colnames
        return names

    def _missing(self, names: list[str]) -> ProductTableError | None:
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if not missing:
            return None
        why = "a MAST product list names each file in it"
        return ProductTableError(str(self.path), f"missing column(s) {', '.join(missing)} ({why})")

    def _chunks(self, text: io.TextIOWrapper, first: bool) -> Iterator[Table]:
        options = {"enable": "force", "chunk_size": self.chunk_chars, "chunk_generator": True}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reading = astropy_ascii.read(text, format="csv", guess=False, fast_reader=options)
                yield from reading
        except (InputError, Unsteady):
            raise
        except Exception as err:  # noqa: BLE001 - astropy raises many types; the whole reading says which
            raise self._unsteady(first, f"astropy: {type(err).__name__}") from err

    def _steady(self, chunk: Table, kinds: dict[str, str], first: bool) -> list[str]:
        """Check a chunk's columns against the others'; return its column names."""
        names: list[str] = chunk.colnames
        if names != self._header:
            raise self._unsteady(first, "its chunks' columns are not its first lines' columns")
        for name in names:
            column = chunk[name]
            if getattr(column, "mask", None) is not None and bool(column.mask.all()):
                continue  # all None whatever the type astropy gave it
            kind = column.dtype.kind
            if kinds.setdefault(name, kind) != kind:
                raise self._unsteady(first, f"column {name} read as {kinds[name]} and {kind}")
            if self._kinds is not None and self._kinds.get(name, kind) != kind:
                msg = "changed while it was being read; ingest it again"
                raise InputError(str(self.path), msg)
        return names

    def _unsteady(self, first: bool, why: str) -> Exception:
        """Return what to raise: the first reading falls back, the second refuses the file."""
        if first:
            return Unsteady(why)
        return InputError(str(self.path), "changed while it was being read; ingest it again")
