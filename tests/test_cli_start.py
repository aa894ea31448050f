"""The ``jwlink`` command starts fast: what each start imports (no timing is asserted).

``jwlink --help`` imports click and jwlink's command line only; the query
commands on SQLite import the catalog but none of astropy, numpy, the HTTP
stack or rich. Each runs in a fresh interpreter, as a user's command does.
"""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from jwlink.cli import LAZY_COMMANDS, main

ASN_DIR = "generated_asn/from_jw87800_pool"
L3 = "jw87800-o017_t002_niriss_f200w-gr150r"
CAL = "jw87800017001_02102_00001_nis_cal.fits"
HEAVY = ("astropy", "numpy", "fastapi", "starlette", "uvicorn", "httpx", "rich", "jsonschema",
         "psycopg")  # fmt: skip

# Runs the command line in this interpreter and prints the modules it loaded.
_RUN = """
import json, sys
from jwlink.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _modules(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _RUN, *args], capture_output=True, text=True, check=False
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def test_help_imports_only_the_command_line() -> None:
    modules = _modules("--help")
    assert _heavy(modules) == []
    assert sorted(m for m in modules if m.startswith("jwlink")) == [
        "jwlink", "jwlink.cli", "jwlink.cli.common", "jwlink.cli.main", "jwlink.errors"
    ]  # fmt: skip


def test_import_jwlink_is_cheap_and_still_offers_its_names() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, jwlink; print(sorted(sys.modules))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "jwlink.query.catalog" not in done.stdout and "astropy" not in done.stdout
    import jwlink

    assert jwlink.Catalog.__module__ == "jwlink.query.catalog"
    assert jwlink.Kind.__module__ == "jwlink.core.model"
    assert issubclass(jwlink.CatalogMissing, jwlink.JwlinkError)
    with pytest.raises(AttributeError):
        _ = jwlink.NoSuchThing  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> str:
    from conftest import need_data

    db = str(tmp_path_factory.mktemp("start") / "c.db")
    done = CliRunner().invoke(main, ["ingest", str(need_data() / ASN_DIR), "--db", db])
    assert done.exit_code == 0, done.output
    return db


@pytest.mark.parametrize(
    "args",
    [
        ["observations"],
        ["show", L3],
        ["show", CAL],
        ["products", L3],
        ["lineage", L3],
        ["mrp", L3],
        ["impact", CAL],
    ],  # fmt: skip
    ids=lambda a: a[0],
)
def test_query_commands_on_sqlite_load_no_heavy_module(catalog: str, args: list[str]) -> None:
    modules = _modules(*args, "--db", catalog)
    assert "jwlink.query.catalog" in modules  # the command did run its query
    assert _heavy(modules) == []


def test_lazy_commands_are_listed_with_their_own_help_and_run() -> None:
    ctx = click.Context(main)
    for name, (_, text) in LAZY_COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None, name
        assert command.get_short_help_str(1000) == click.Command(
            name, help=text
        ).get_short_help_str(1000), (
            f"LAZY_COMMANDS['{name}'] no longer says what the command's docstring says"
        )
    listed = CliRunner().invoke(main, ["--help"]).output
    for name in [*LAZY_COMMANDS, "ingest", "observations", "show", "demo"]:
        assert f"\n  {name} " in listed, name
    assert CliRunner().invoke(main, ["synth", "--help"]).exit_code == 0
