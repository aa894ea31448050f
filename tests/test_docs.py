"""The README and the code agree: commands, help texts, the test command CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

import jwlink
from jwlink.cli import main
from jwlink.core.mrp import RULES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_opens_with_the_two_commands():
    head = "\n".join(README.splitlines()[:12])
    assert "jwlink demo" in head
    assert "bash scripts/test.sh" in head


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci/run").read_text()
    assert "bash scripts/test.sh" in ci
    assert "pg_ctlcluster --skip-systemctl-redirect" in ci


def test_the_test_command_runs_the_gates_before_pytest():
    # The gates live in the script CI runs, not in a test: each runs once, and
    # a finding fails the run before the suite starts (set -e).
    script = (ROOT / "scripts/test.sh").read_text()
    lines = [line.strip() for line in script.splitlines() if line.startswith("python -m")]
    assert "set -euo pipefail" in script
    assert lines[1:] == [
        "python -m ruff check src tests benchmarks",
        "python -m ruff format --check src tests benchmarks",
        "python -m mypy --strict src",
        'python -m pytest -q "$@"',
    ]


@pytest.mark.parametrize("name", main.list_commands(click.Context(main)))
def test_every_command_has_help_and_is_documented(name):
    # list_commands/get_command: most commands load only when used (jwlink.cli.LazyGroup).
    command = main.get_command(click.Context(main), name)
    assert command.help, f"jwlink {name} has no help text"
    assert re.search(rf"jwlink {re.escape(name)}\b", README), f"README never shows jwlink {name}"


def test_every_mrp_rule_is_in_the_readme_table():
    for rule in RULES:
        assert f"`{rule.id}`" in README, f"MRP rule {rule.id} is not in the README table"


def test_public_api_is_exported():
    names = [n for n in vars(jwlink) if not n.startswith("_") and n[0].isupper()]
    assert sorted(jwlink.__all__) == sorted(set(names) | set(jwlink.__all__))
