"""The download client, and what it keeps in a folder and finds changed since.

`client` fetches (resumable, parallel, SHA-256 verified) from one of the
`sources` the `manifest` rows of a selection and tells what it did in a
`report`; `record` remembers what a download selected, `changes` compares a
folder with the archive now, `update` fetches what changed.

The client talks to a server over HTTP or copies from a local catalog's data
root; it imports no server module.
"""

from __future__ import annotations

from jwlink.download.client import (
    REASONS,
    DownloadError,
    DownloadReport,
    FileResult,
    HttpSource,
    LocalSource,
    ManifestEntry,
    Source,
    download,
    safe_relative_path,
)

__all__ = [
    "REASONS",
    "DownloadError",
    "DownloadReport",
    "FileResult",
    "HttpSource",
    "LocalSource",
    "ManifestEntry",
    "Source",
    "download",
    "safe_relative_path",
]
