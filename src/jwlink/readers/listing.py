"""Lists of files as users keep them: download manifests, curl scripts, cloud listings.

None of these says which observation a file belongs to, so each row carries
only the file's name (and its size where the list gives one); the linker
places the file by its name (`jwlink.core.linker.tables.link_listed`), never by
its neighbours in the list.

* astroquery's ``Observations.download_products`` manifest (columns
  ``Local Path``, ``Status``, ``Message``, ``URL``; astroquery 0.4.11
  ``mast/observations.py`` ``_download_files``), and jwlink's own manifest
  (``name``, ``path``, ``size``, ``sha256``, ``url``, ...), written as
  ECSV, CSV or VOTable;
* curl scripts of the MAST bundle service (``Download/bundle.sh``:
  ``curl ... --output '.../JWST/<obs_id>/<file>' '.../Download/file?uri=mast:JWST/product/<file>'``)
  and jwlink's (``fetch '<url>' '<path>' '<sha256>' '<size>'``);
* cloud listings: one S3 key a line (``jwst/public/...``, ``s3://stpubdata/jwst/...``,
  astroquery ``get_cloud_uris``), or ``aws s3 ls`` output (``date time size key``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from jwlink.core.model import ListedProduct
from jwlink.errors import InvalidName, ProductTableError
from jwlink.naming import bare_name, describe
from jwlink.readers.regular import open_regular, read_head, refuse_long_lines
from jwlink.readers.table import FORMATS, cell_value, read_table

__all__ = ["LISTING_READERS", "listing_kind", "read_listing"]

LISTING_READERS = ("manifest", "curl_script", "cloud_listing")
# Enough of a file to recognise it by; a listing says what it is in its first lines.
_SNIFF_BYTES = 1 << 16
_SNIFF_LINES = 50
# URL is absent from the manifest of a curl_flag download (it names the script).
_ASTROQUERY_MANIFEST = ("Local Path", "Status")
_JWLINK_MANIFEST = ("name", "path", "sha256", "url")
# A MAST product URI, plain or percent-encoded, of any mission.
_URI = re.compile(r"mast(?::|%3A)([A-Za-z0-9_]+)(?:/|%2F)product(?:/|%2F)", re.IGNORECASE)
_JWST_URI = re.compile(r"mast(?::|%3A)JWST(?:/|%2F)product(?:/|%2F)", re.IGNORECASE)
# The public bucket as astroquery's cloud.py addresses it (s3://, path- and host-style https).
_BUCKET = r"(?:s3://stpubdata/|https?://s3\.amazonaws\.com/stpubdata/|https?://stpubdata\.s3\.amazonaws\.com/|/)?"
_KEY = re.compile(_BUCKET + r"(jwst/\S*[^/\s])", re.IGNORECASE)
# `aws s3 ls` rows: "2024-02-27 20:26:37    8177157 <key or name>"; "PRE <folder>/" rows.
_LS_ROW = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s+(\d+)\s+(\S+)")
_LS_FOLDER = re.compile(r"PRE\s+\S+/")


def listing_kind(path: Path) -> str | None:
    """Return which reader a table, script or text file goes to, by its content.

    Parameters
    ----------
    path : Path
        A file whose name is not a JWST product name.

    Returns
    -------
    str or None
        ``manifest`` (a download manifest), ``observation_table`` (a MAST
        observation table: ``obs_id`` and ``dataRights`` or ``t_obs_release``,
        no ``productFilename``), ``table`` (any other ECSV, CSV or
        VOTable: a MAST product list), ``curl_script`` (a ``.sh`` fetching MAST
        JWST products), ``cloud_listing`` (a ``.txt`` of JWST S3 keys), or None.
    """
    suffix = path.suffix.lower()
    if suffix in FORMATS:
        head = _head(path)
        manifest = all(_mentions(head, c) for c in _ASTROQUERY_MANIFEST) or all(
            _mentions(head, c) for c in _JWLINK_MANIFEST
        )
        if manifest:
            return "manifest"
        # A MAST observation table (obs_id, rights; no file names): OBSERVATION_COLUMNS.
        observations = not _mentions(head, "productFilename") and _mentions(head, "obs_id")
        rights = _mentions(head, "t_obs_release") or _mentions(head, "dataRights")
        return "observation_table" if observations and rights else "table"
    if suffix == ".sh":
        return "curl_script" if _JWST_URI.search(_head(path)) else None
    if suffix == ".txt":
        return "cloud_listing" if _is_cloud_listing(*_head_bytes(path)) else None
    return None


def _head(path: Path) -> str:
    return _head_bytes(path)[0]


def _head_bytes(path: Path) -> tuple[str, bool]:
    """Return the first bytes of a file as text, and whether the file goes on.

    Empty for a file that is not regular or cannot be read: the reader, or
    the ingest, says what is wrong with it.
    """
    raw, more = read_head(path, _SNIFF_BYTES)
    return raw.decode("utf-8", "replace"), more


def _mentions(head: str, column: str) -> bool:
    # A column name in a CSV header, an ECSV "name:" entry or a VOTable FIELD.
    header = head.split("\n", 1)[0] if not head.startswith(("#", "<")) else head
    return re.search(rf"(^|[,\s\"'=]){re.escape(column)}($|[,\s\"'}}])", header) is not None


def _is_cloud_listing(head: str, cut: bool) -> bool:
    lines = head.splitlines()
    if cut and len(lines) <= _SNIFF_LINES:
        lines = lines[:-1]  # the last line may be cut short
    lines = [ln.strip() for ln in lines[:_SNIFF_LINES]]
    rows = [ln for ln in lines if ln and not ln.startswith("#") and not _LS_FOLDER.fullmatch(ln)]
    return bool(rows) and all(_cloud_entry(ln) is not None for ln in rows)


def _cloud_entry(line: str) -> tuple[str, int | None] | None:
    """Return (file name, size) a cloud-listing line names, or None."""
    size: int | None = None
    text = line
    if ls := _LS_ROW.fullmatch(line):
        size, text = int(ls.group(2)), ls.group(3)
        if "/" not in text:  # a listing of one folder names bare files
            return (text, size) if _jwst_name(text) else None
    key = _KEY.fullmatch(text)
    if key is None:
        return None
    return key.group(1).rsplit("/", 1)[-1], size


def _jwst_name(name: str) -> bool:
    try:
        return describe(name).form is not None
    except InvalidName:
        return False


def read_listing(path: str | Path, kind: str) -> Iterator[ListedProduct]:
    """Yield the files a manifest, curl script or cloud listing names.

    Parameters
    ----------
    path : str or Path
        The file.
    kind : {"manifest", "curl_script", "cloud_listing"}
        What `listing_kind` said it is.

    Yields
    ------
    ListedProduct
        ``productFilename`` (and ``size`` when the list gives it); files of
        other missions are left out.

    Raises
    ------
    ProductTableError
        Unreadable, a manifest without the columns that name files, or a
        line or row naming something that is not a file name.
    """
    p = Path(path)
    if kind == "manifest":
        yield from _manifest(p)
    elif kind == "curl_script":
        yield from _script(p)
    elif kind == "cloud_listing":
        yield from _cloud(p)
    else:
        msg = f"not a listing reader: {kind!r} (expected {', '.join(LISTING_READERS)})"
        raise ValueError(msg)


def _row(path: Path, where: str, number: int, name: str, size: int | None) -> ListedProduct:
    try:
        bare_name(name)
    except InvalidName as err:
        raise ProductTableError(str(path), f"{where}: {name[:80]!r}: {err.reason}") from err
    columns: dict[str, str | int | float | None] = {"productFilename": name}
    if size is not None:
        columns["size"] = size
    return ListedProduct(source=path.name, line=number, columns=columns)


def _uri_name(url: str) -> tuple[str | None, str | None]:
    """Return (mission, file name) of a MAST download URL or URI; (None, None) if neither."""
    text = url.strip()
    if not _URI.search(text):
        return None, None
    values = parse_qs(urlsplit(text).query).get("uri", [])
    uri = values[0] if values else unquote(text)
    found = _URI.search(uri)
    if found is None:
        return None, None
    return found.group(1).upper(), uri[found.end() :].split("?", 1)[0].rsplit("/", 1)[-1]


def _manifest(path: Path) -> Iterator[ListedProduct]:
    table = read_table(path)
    if "Local_Path" in table.colnames and "Local Path" not in table.colnames:
        table.rename_column("Local_Path", "Local Path")  # a VOTable's ID for the name
    if all(c in table.colnames for c in _ASTROQUERY_MANIFEST):
        local, url_column, size_column = "Local Path", "URL", None
        if url_column not in table.colnames:
            table[url_column] = ""
    elif all(c in table.colnames for c in _JWLINK_MANIFEST):
        local, url_column, size_column = "path", "url", "size"
    else:
        msg = (
            "a download manifest needs columns Local Path, Status (astroquery) "
            "or name, path, sha256, url (jwlink)"
        )
        raise ProductTableError(str(path), msg)
    for number, row in enumerate(table, start=1):
        where = f"row {number}"
        url = cell_value(row[url_column])
        mission, name = _uri_name(url) if isinstance(url, str) else (None, None)
        if mission is not None and mission != "JWST":
            continue  # astroquery downloads any mission's files; only JWST's are products here
        local_path = cell_value(row[local])
        if name is None and isinstance(local_path, str) and local_path.strip():
            name = local_path.strip().replace("\\", "/").rsplit("/", 1)[-1]
            if not _jwst_name(name):
                continue  # not a JWST file: the curl script itself, another mission's file
        if name is None:
            msg = f"{where}: neither {local} nor {url_column} names a file"
            raise ProductTableError(str(path), msg)
        size = cell_value(row[size_column]) if size_column is not None else None
        yield _row(path, where, number, name, size if isinstance(size, int) else None)


def _text(path: Path) -> str:
    # Lines bounded first: a script of one endless line is refused, not held.
    refuse_long_lines(path, ProductTableError)
    with open_regular(path) as handle:
        raw = handle.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        msg = f"line {line}: not UTF-8 text (byte {err.start})"
        raise ProductTableError(str(path), msg) from err


def _logical_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (first line number, text) of each shell line, continuations joined."""
    text = _text(path)
    start, parts = 0, list[str]()
    for number, line in enumerate(text.splitlines(), start=1):
        if not parts:
            start = number
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        yield start, " ".join(parts)
        parts = []
    if parts:
        yield start, " ".join(parts)


def _script(path: Path) -> Iterator[ListedProduct]:
    # By the URIs a line fetches, not by its command: MAST's script wraps curl
    # in its own words, and the same URI echoed in a message is the same file.
    for number, line in _logical_lines(path):
        if line.lstrip().startswith("#"):
            continue
        names = dict.fromkeys(unquote(m.group(1)).rsplit("/", 1)[-1]
                              for m in _JWST_FILE.finditer(line))  # fmt: skip
        size = _fetch_size(line) if names else None
        for name in names:
            yield _row(path, f"line {number}", number, name, size if len(names) == 1 else None)


_JWST_FILE = re.compile(r"mast(?::|%3A)JWST(?:/|%2F)product(?:/|%2F)([^\s'\"&#<>]+)", re.IGNORECASE)


def _fetch_size(line: str) -> int | None:
    """Return the size a jwlink ``fetch URL PATH SHA256 SIZE`` line gives, else None."""
    if not line.lstrip().startswith("fetch "):
        return None
    try:
        words = shlex.split(line)
    except ValueError:
        return None
    return int(words[4]) if len(words) == 5 and words[4].isdigit() else None


def _cloud(path: Path) -> Iterator[ListedProduct]:
    text = _text(path)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or _LS_FOLDER.fullmatch(line):
            continue
        entry = _cloud_entry(line)
        if entry is None:
            msg = (
                f"line {number}: {line[:80]!r} is not a JWST cloud key "
                "(jwst/public/..., s3://stpubdata/jwst/... or an 'aws s3 ls' row)"
            )
            raise ProductTableError(str(path), msg)
        yield _row(path, f"line {number}", number, *entry)
