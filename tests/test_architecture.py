"""Import directions of the package: each layer imports only the layers below it.

Every ``import`` of every module under ``src/jwlink`` is read with `ast`,
including imports inside functions (late imports) and ``TYPE_CHECKING``
blocks: a late import is still a dependency, it only hides it. The test fails
on an import upward (or sideways, between two packages of one layer), on an
import cycle between modules, and on any import of another module's private
(``_x``) name. The README's "Architecture" section draws the same layers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# Lowest first. Packages of one layer import neither each other nor anything above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("jwlink.errors",),
    ("jwlink.core.values",),  # how the model's rows pickle (worker processes hand them back)
    ("jwlink.core.crdsparams",),  # the header values CRDS selects by, carried by the model
    ("jwlink.core.model",),
    ("jwlink.naming",),
    ("jwlink.core",),  # linker, mrp, expected, pipeline_modes, reftypes
    ("jwlink.store", "jwlink.readers"),
    ("jwlink.ingest", "jwlink.synth"),
    # query.completeness checks a folder by ingesting it into a temporary catalog.
    ("jwlink.query",),
    # stale: the CRDS library's selections compared with the catalog's headers.
    ("jwlink.stale",),
    # download: the client side (client, folder record, changes, update), no server module.
    ("jwlink.api", "jwlink.download"),
    ("jwlink.portal",),  # HTML pages over the API's JSON functions
    ("jwlink.app",),  # the served application: API routes, then the portal
    ("jwlink.cli",),
    ("jwlink", "jwlink.__main__"),  # the lazy facade `import jwlink`
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / "jwlink").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _layer(module: str) -> tuple[int, str]:
    """Return (rank, package) of the longest layer prefix that holds ``module``."""
    best = (-1, "")
    for rank, packages in enumerate(LAYERS):
        for package in packages:
            if (module == package or module.startswith(package + ".")) and len(package) > len(
                best[1]
            ):
                best = (rank, package)
    assert best[0] >= 0, f"{module} is in no layer: add its package to LAYERS"
    return best


def _imports(module: str) -> Iterator[tuple[str, str | None, int]]:
    """Yield (imported jwlink module, imported name or None, line) for every import."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:  # from jwlink.core import linker
                    yield f"{base}.{alias.name}", None, node.lineno
                else:
                    yield base, alias.name, node.lineno


def _edges() -> list[tuple[str, str, str | None, int]]:
    edges = []
    for module in MODULES:
        for target, name, line in _imports(module):
            if target == "jwlink" or target.startswith("jwlink."):
                edges.append((module, target, name, line))
    return edges


EDGES = _edges()


def test_every_import_points_down() -> None:
    wrong = []
    for module, target, name, line in EDGES:
        (rank, package), (to_rank, to_package) = _layer(module), _layer(target)
        if package != to_package and to_rank >= rank:
            what = f"{target}.{name}" if name else target
            wrong.append(f"{MODULES[module].relative_to(SRC)}:{line}: {package} imports {what}")
    assert not wrong, "imports upward or sideways:\n" + "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for module, target, _name, _line in EDGES:
        if target in MODULES and target != module:
            graph.setdefault(module, set()).add(target)
    cycles = _cycles(graph)
    assert not cycles, "import cycles (late imports count):\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


def test_no_private_name_crosses_a_module() -> None:
    wrong = [
        f"{MODULES[module].relative_to(SRC)}:{line}: {target}.{name}"
        for module, target, name, line in EDGES
        if name is not None and name.startswith("_") and not name.startswith("__")
    ]
    wrong += [
        f"{MODULES[module].relative_to(SRC)}:{line}: module {target}"
        for module, target, _name, line in EDGES
        if any(p.startswith("_") and not p.startswith("__") for p in target.split("."))
    ]
    assert not wrong, "private names imported from another module:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("module", "target", "expected"),
    [
        ("jwlink.naming.grammar", "jwlink.core.model", True),
        ("jwlink.core.model", "jwlink.naming", False),
        ("jwlink.core.linker", "jwlink.naming.info", True),
        ("jwlink.query.search", "jwlink.api.mast", False),
        ("jwlink.download", "jwlink.api", False),
        ("jwlink.api.app", "jwlink.portal", False),
        ("jwlink.portal.pages", "jwlink.api.native", True),
        ("jwlink.readers.asn", "jwlink.store", False),
        ("jwlink.download.changes", "jwlink.query.selection", True),
        ("jwlink.download.client", "jwlink.api.files", False),
    ],
)
def test_the_layers_say_what_the_readme_says(module: str, target: str, expected: bool) -> None:
    # The rule itself, on a few edges the README's Architecture section states.
    (rank, package), (to_rank, to_package) = _layer(module), _layer(target)
    assert (package == to_package or to_rank < rank) is expected


def test_no_test_file_imports_another() -> None:
    """Shared fixtures live in conftest.py and helpers in plain modules, never in a test file."""
    tests = Path(__file__).resolve().parent
    found = []
    for path in sorted(tests.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            found += [f"{path.name}:{node.lineno}: {n}" for n in names if n.startswith("test_")]
    assert not found, "test files importing test files:\n" + "\n".join(found)
