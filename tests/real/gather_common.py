"""What every part of tests/real/gather.py shares: the mirrors, TOML output, provenance."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/.mirror")
RETRIEVED = "2026-12-01"
JWST = ("spacetelescope/jwst", "BSD-3-Clause (AURA)")
JWQL = ("spacetelescope/jwql", "BSD-3-Clause (AURA)")
ASTROQUERY = ("astropy/astroquery", "BSD-3-Clause")


def _git(repo: str, *args: str) -> str:
    path = ROOT / repo.replace("/", "+") / "repo"
    return subprocess.run(
        ["git", "-C", str(path), *args], capture_output=True, text=True, check=True
    ).stdout


def show(repo: str, path: str) -> str:
    return _git(repo, "show", f"HEAD:{path}")


def commit(repo: str) -> str:
    return _git(repo, "log", "-1", "--format=%H").strip()


def line_has(repo: str, path: str, line: int, text: str) -> int:
    """Return ``line`` after checking the source line holds ``text``."""
    got = show(repo, path).splitlines()[line - 1]
    if text not in got:
        raise SystemExit(f"{repo}:{path}:{line} does not contain {text!r}: {got!r}")
    return line


# ------------------------------------------------------------------ TOML out


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        body = ", ".join(f"{_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + body + "}"
    raise TypeError(f"no TOML for {value!r}")


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def write_toml(path: Path, head: dict[str, Any], tables: dict[str, list[dict[str, Any]]]) -> None:
    lines = [f"{_key(k)} = {_toml_value(v)}" for k, v in head.items()]
    for name, rows in tables.items():
        for row in rows:
            lines += ["", f"[[{name}]]"]
            lines += [f"{_key(k)} = {_toml_value(v)}" for k, v in row.items() if v is not None]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def provenance(repo: tuple[str, str], paths: list[str], about: str) -> dict[str, Any]:
    return {
        "repository": f"https://github.com/{repo[0]}",
        "commit": commit(repo[0]),
        "paths": paths,
        "license": repo[1],
        "retrieved": RETRIEVED,
        "about": about,
    }


def _line_of(repo: str, path: str, text: str) -> int:
    for number, line in enumerate(show(repo, path).splitlines(), start=1):
        if text in line:
            return number
    raise SystemExit(f"{repo}:{path} never says {text!r}")
