"""Coverage-guided fuzzing of the jwlink readers with atheris (by hand, never in CI).

Usage (atheris installs cleanly on CPython 3.11 from its manylinux wheel)::

    pip install atheris
    python tests/fuzz/fuzz_readers.py fits -atheris_runs=200000 [corpus_dir]

Targets: ``name``, ``association``, ``pool``, ``table``, ``fits``. Each input
is written to a temporary file and read; the reader must return or raise our
own error (`InvalidName`, `InputError`). The FITS target also requires the
astropy and fast header readers to agree. libFuzzer saves any crash as
``crash-<sha1>``; turn it into a corpus entry (tests/corpus/EXPECTED.toml or
tests/corpus_build.py) with a comment saying what crashed, then fix the reader.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import astropy.io.fits  # noqa: F401 - imported uninstrumented: only jwlink's code is traced
import astropy.table  # noqa: F401
import atheris
import jsonschema  # noqa: F401

with atheris.instrument_imports(include=["jwlink"]):
    from jwlink.errors import HeaderError, InputError, InvalidName
    from jwlink.naming import bare_name, describe, parse
    from jwlink.readers import read_association, read_pool, read_product_table
    from jwlink.readers.fits import read_header, read_header_fast

FOLDER = Path(tempfile.mkdtemp(prefix="jwlink-fuzz-"))
FILES = {
    "association": FOLDER / "jw01234-o001_image3_00001_asn.json",
    "pool": FOLDER / "jw01234_20250101t000000_pool.csv",
    "table": FOLDER / "products.ecsv",
    "fits": FOLDER / "fuzz.fits",
}


def _name(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    for call in (parse, describe, bare_name):
        try:
            call(text)
        except InvalidName:
            pass


def _fits(path: Path) -> None:
    outcomes = []
    for reader in (read_header, read_header_fast):
        try:
            outcomes.append(reader(path))
        except HeaderError:
            outcomes.append(HeaderError)
    if outcomes[0] != outcomes[1]:
        raise AssertionError(f"the header readers disagree: {outcomes}")


READ = {
    "association": read_association,
    "pool": lambda p: list(read_pool(p)),
    "table": lambda p: list(read_product_table(p)),
    "fits": _fits,
}


def main() -> None:
    """Fuzz the target named by the first argument; the rest go to libFuzzer."""
    target = sys.argv.pop(1)

    def one_input(data: bytes) -> None:
        if target == "name":
            _name(data)
            return
        path = FILES[target]
        path.write_bytes(data)
        try:
            READ[target](path)
        except InputError:
            pass

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
