"""The ingest pipeline: walk files and folders, read each, link it, write one batch per file.

The readers it drives live in `jwlink.readers`; `evidence` reads what a
folder's own documents say it should hold (for `jwlink check`).
"""

from __future__ import annotations

from jwlink.ingest.run import IngestReport, classify, ingest, iter_files

__all__ = ["IngestReport", "classify", "ingest", "iter_files"]
