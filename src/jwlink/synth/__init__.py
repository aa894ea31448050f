"""Synthetic JWST archives: realistic programs in every instrument mode.

`generate_files` writes real files (FITS headers, associations, pools,
previews, catalogs, product lists, CRDS reference files) that
`jwlink.ingest.ingest` reads into a complete archive; `generate_catalog`
puts the same products and links straight into a catalog, streaming, for
scale tests of up to millions of products. Same seed, same archive.
"""

from __future__ import annotations

from jwlink.synth.modes import MODES
from jwlink.synth.run import SynthReport, generate_catalog, generate_files

__all__ = ["MODES", "SynthReport", "generate_catalog", "generate_files"]
