"""The two places a download's files come from; both give the same result.

* `HttpSource` — a ``jwlink serve`` server, through an injected `httpx.Client`;
* `LocalSource` — a catalog and its data root on this machine (files copied).

Each answers the `jwlink.download.manifest.Source` contract: a manifest of
the selection, then each file's bytes from an offset.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from jwlink.download.manifest import CHUNK, ManifestEntry
from jwlink.errors import DownloadError

if TYPE_CHECKING:
    from jwlink.query.freshness import Catalogued

__all__ = ["HttpSource", "LocalSource"]

# What a refusal of one file by the server means (the rest count as FAILED).
_HTTP_REASONS = {401: "NOT_AUTHORIZED", 403: "NOT_AUTHORIZED", 404: "NOT_HELD", 409: "CHANGED"}


def _envelope_message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error") or response.text[:200])
    except ValueError:
        return response.text[:200] or response.reason_phrase


class HttpSource:
    """Files from a ``jwlink serve`` server.

    Parameters
    ----------
    client : httpx.Client
        The HTTP client (tests inject one with a mock transport).
    server : str
        Base URL, e.g. ``http://127.0.0.1:8000``.
    token : str, optional
        Bearer token for exclusive-access files.
    """

    def __init__(self, client: httpx.Client, server: str, token: str | None = None) -> None:
        self.client = client
        self.server = server.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def manifest(
        self, obs_ids: Sequence[str], names: Sequence[str], mrp: bool, flat: bool
    ) -> list[ManifestEntry]:
        """Ask the server for the manifest of a selection."""
        pairs = [("obs_id", o) for o in obs_ids] + [("name", n) for n in names]
        pairs += [("mrp", str(mrp).lower()), ("flat", str(flat).lower())]
        params = httpx.QueryParams(tuple(pairs))
        try:
            response = self.client.get(
                f"{self.server}/api/v1/manifest.json", params=params, headers=self.headers
            )
        except httpx.HTTPError as err:
            msg = f"Cannot reach {self.server}: {err}"
            raise DownloadError(msg) from err
        if response.status_code != 200:
            msg = f"Manifest refused ({response.status_code}): {_envelope_message(response)}"
            raise DownloadError(msg)
        return [
            ManifestEntry(
                f["name"],
                f["path"],
                int(f["size"]),
                f.get("sha256"),
                f.get("status", "OK"),
                f.get("message", ""),
            )
            for f in response.json()["files"]
        ]

    @contextmanager
    def open(self, entry: ManifestEntry, offset: int) -> Iterator[tuple[int, Iterator[bytes]]]:
        """Stream a file from ``offset`` (a Range request), or from 0 if the range is refused."""
        url = f"{self.server}/api/v1/files/{quote(entry.name, safe='')}"
        if offset:
            with self._get(url, offset) as response:
                if response.status_code != 416:
                    yield self._body(response)
                    return
        # No offset, or a 416: the server no longer has bytes past the part
        # we hold (the file changed), so the whole file comes again.
        with self._get(url, 0) as response:
            yield self._body(response)

    def _get(self, url: str, offset: int) -> AbstractContextManager[httpx.Response]:
        headers = dict(self.headers)
        if offset:
            headers["Range"] = f"bytes={offset}-"
        return self.client.stream("GET", url, headers=headers)

    def _body(self, response: httpx.Response) -> tuple[int, Iterator[bytes]]:
        """Return ``(start, chunks)`` of an answer, or raise the refusal as a DownloadError."""
        if response.status_code not in (200, 206):
            response.read()
            msg = f"HTTP {response.status_code}: {_envelope_message(response)}"
            raise DownloadError(msg, _HTTP_REASONS.get(response.status_code, "FAILED"))
        start = 0
        if response.status_code == 206:
            start = int(response.headers.get("content-range", "bytes 0-").split()[1].split("-")[0])
        # As they arrive, not gathered into big chunks: a connection that
        # drops keeps every byte received so far for the resume.
        return start, response.iter_bytes()


class LocalSource:
    """Files from a catalog and its data root on this machine (no server).

    Parameters
    ----------
    db_url : str
        The catalog (opened read-only).
    data_root : str or PathLike
        Only files under this folder are copied.
    """

    def __init__(self, db_url: str, data_root: str | os.PathLike[str]) -> None:
        self.db_url = db_url
        self.data_root = Path(data_root)
        self._locations: dict[str, str | None] = {}
        self._catalogued: dict[str, Catalogued] = {}

    def manifest(
        self, obs_ids: Sequence[str], names: Sequence[str], mrp: bool, flat: bool
    ) -> list[ManifestEntry]:
        """Build the manifest from the catalog."""
        from jwlink.query.selection import name_from_uri, open_served, select_files
        from jwlink.store import open_store

        store = open_store(self.db_url, readonly=True)
        try:
            files = select_files(store, obs_ids, [name_from_uri(n) for n in names], mrp)
        finally:
            store.close()
        entries = []
        for item in files:
            self._locations[item.name] = item.location
            self._catalogued[item.name] = item.catalogued
            status, message, size = "NOT_HELD", "not under the data root", item.size or 0
            opened = open_served(item.location, self.data_root)
            if opened is not None:
                size = opened[1]
                stale = self._stale(opened[0], item.name)
                status, message = ("CHANGED", stale) if stale else ("OK", "")
            entries.append(
                ManifestEntry(item.name, item.path(flat), size, item.sha256, status, message)
            )
        return entries

    def _stale(self, fd: int, name: str) -> str | None:
        """Close ``fd``; return why the file is not the catalogued one, or None."""
        from jwlink.query.freshness import stale_reason

        try:
            found = stale_reason(fd, self._catalogued[name])
        finally:
            os.close(fd)
        return found.message if found is not None else None

    @contextmanager
    def open(self, entry: ManifestEntry, offset: int) -> Iterator[tuple[int, Iterator[bytes]]]:
        """Read the file from ``offset``."""
        from jwlink.query.selection import open_served

        opened = open_served(self._locations.get(entry.name), self.data_root)
        if opened is None:
            msg = f"{entry.name} is not under the data root"
            raise DownloadError(msg, "NOT_HELD")
        stale = (
            self._stale(os.dup(opened[0]), entry.name) if entry.name in self._catalogued else None
        )
        if stale is not None:
            os.close(opened[0])
            raise DownloadError(stale, "CHANGED")
        with os.fdopen(opened[0], "rb") as handle:
            handle.seek(offset)
            yield offset, iter(lambda: handle.read(CHUNK), b"")
