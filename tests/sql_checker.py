"""Static check: no SQL text in ``src/jwlink`` is built from a caller's value.

The checker behind test_security_sql_static and test_security_sql_checker (a helper
module: test files import from here, never from each other).

Every call of the execute family (``execute``, ``executemany``,
``executescript``, ``_execute``, ``_executemany``, ``_executescript``,
``_bulk``, ``copy``, ``execute_in``) is found with `ast`, and its SQL argument is traced back
through the code: f-strings, ``+``, ``%``, ``.format``, ``.join``, local and
module names, tuple unpacking, list ``append``/``extend``, loop variables,
function returns and, for a function parameter, every call site's argument.
The SQL is safe only when everything it is made of ends in a constant
(a literal, a constant table such as ``SEARCH_COLUMNS``, a class attribute
that is a literal everywhere, a count) or in ``"?"`` placeholders. Anything
the trace cannot prove constant fails the test: there are no allow-listed
names. The checker is tested on snippets that must fail and must pass.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jwlink

SRC = Path(jwlink.__file__).resolve().parent
SINKS = {"execute", "executemany", "executescript", "_execute", "_executemany",
         "_executescript", "_bulk", "copy", "execute_in"}  # fmt: skip
# Calls whose result is a number or a truth value: they cannot carry text into SQL.
NUMERIC = {"len", "int", "range", "bool", "isinstance", "any", "all", "index", "rindex", "find"}
# Calls whose result is made of their arguments (or receiver) only.
PASS_THROUGH = {"str", "tuple", "list", "sorted", "set", "frozenset", "reversed"}
STR_METHODS = {"replace", "strip", "lstrip", "rstrip", "lower", "upper", "removeprefix",
               "removesuffix", "zfill", "split", "rsplit", "partition", "rpartition",
               "splitlines", "joinpath", "read_text", "items", "keys", "values", "get", "union",
               "intersection", "difference", "copy"}  # fmt: skip


@dataclass
class Module:
    """One parsed module: its top-level bindings, functions and imports."""

    name: str
    tree: ast.Module
    path: str
    bindings: dict[str, list[ast.AST]] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)
    classes: set[str] = field(default_factory=set)


class Checker:
    """Decide whether an expression can only hold constant SQL text."""

    def __init__(self, modules: dict[str, Module]) -> None:
        self.modules = modules
        self.parents: dict[ast.AST, ast.AST] = {}
        self.owner: dict[ast.AST, Module] = {}
        self.class_attrs: dict[str, list[tuple[ast.AST, Module, ast.AST | None]]] = {}
        self.busy: set[tuple[int, int]] = set()
        self.known: dict[tuple[int, int], bool] = {}
        self.assumed = 0
        self.trace: list[str] | None = None
        self.calls: dict[str, list[tuple[ast.Call, Module]]] = {}
        for module in modules.values():
            for node in ast.walk(module.tree):
                for child in ast.iter_child_nodes(node):
                    self.parents[child] = node
                self.owner[node] = module
                if isinstance(node, ast.Call):
                    f = node.func
                    called = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
                    self.calls.setdefault(called, []).append((node, module))
            self._index(module)

    def _index(self, module: Module) -> None:
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef):
                module.functions[node.name] = node
            elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(target, ast.Name):
                        module.bindings.setdefault(target.id, []).append(node.value)
        for node in ast.walk(module.tree):
            # Imports inside functions too: a lazy import binds the same constant.
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("jwlink"):
                for alias in node.names:
                    module.imports[alias.asname or alias.name] = (node.module or "", alias.name)
            if isinstance(node, ast.ClassDef):
                module.classes.add(node.name)
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        module.functions.setdefault(f"{node.name}.{item.name}", item)
                    if isinstance(item, ast.Assign | ast.AnnAssign) and item.value is not None:
                        targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                        for t in targets:
                            if isinstance(t, ast.Name):
                                self.class_attrs.setdefault(t.id, []).append(
                                    (item.value, module, None)
                                )
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if (
                        isinstance(t, ast.Attribute)
                        and isinstance(t.value, ast.Name)
                        and t.value.id == "self"
                    ):
                        owner = (node.value, module, self._function_of(node))
                        self.class_attrs.setdefault(t.attr, []).append(owner)

    def _function_of(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.Lambda):
                return node  # type: ignore[return-value]
        return None

    # ------------------------------------------------------------ the judgement

    def safe(self, node: ast.AST, func: ast.AST | None, module: Module) -> bool:
        """Whether ``node`` (inside ``func`` of ``module``) only ever holds constant text."""
        key = (id(node), id(func))
        if key in self.known:
            return self.known[key]
        if key in self.busy:
            # A value built from itself (sql = sql + "..."): safe iff its other parts
            # are, which the enclosing evaluation checks; nothing assumed here is cached.
            self.assumed += 1
            return True
        self.busy.add(key)
        assumed = self.assumed
        try:
            result = self._safe(node, func, module)
        finally:
            self.busy.discard(key)
        if self.assumed == assumed or not result:
            self.known[key] = result
        if not result and self.trace is not None:
            self.trace.append(
                f"{module.name}:{getattr(node, 'lineno', '?')}: {ast.unparse(node)[:80]}"
            )
        return result

    def _safe(self, node: ast.AST, func: ast.AST | None, module: Module) -> bool:
        every = lambda nodes: all(self.safe(n, func, module) for n in nodes)  # noqa: E731
        match node:
            case ast.Constant():
                return True
            case ast.JoinedStr():
                return every(v.value for v in node.values if isinstance(v, ast.FormattedValue))
            case ast.BinOp():
                return every([node.left, node.right])
            case ast.IfExp():
                return every([node.body, node.orelse])
            case ast.BoolOp():
                return every(node.values)
            case ast.Compare() | ast.UnaryOp(op=ast.Not()):
                return True
            case ast.Tuple() | ast.List() | ast.Set():
                return every(node.elts)
            case ast.Dict():
                return every(v for v in node.values if v is not None)
            case ast.Subscript():
                return self.safe(node.value, func, module)  # an item of a constant table
            case ast.Starred():
                return self.safe(node.value, func, module)
            case ast.GeneratorExp() | ast.ListComp() | ast.SetComp():
                return self.safe(node.elt, func, module)
            case ast.DictComp():
                return every([node.key, node.value])
            case ast.Name():
                return self._name(node, func, module)
            case ast.Attribute():
                return self._attribute(node, func, module)
            case ast.Call():
                return self._call(node, func, module)
        return False

    def _attribute(self, node: ast.Attribute, func: ast.AST | None, module: Module) -> bool:
        # An attribute of a constant object (a field of a rule in a constant table) ...
        if not isinstance(node.value, ast.Name) or node.value.id not in ("self", "cls"):
            if self.safe(node.value, func, module):
                return True
        # ... or an attribute every class of the package sets to constant text only.
        found = self.class_attrs.get(node.attr, [])
        return bool(found) and all(self.safe(v, f, m) for v, m, f in found)

    def _call(self, node: ast.Call, func: ast.AST | None, module: Module) -> bool:
        args = [*node.args, *(k.value for k in node.keywords)]
        every = lambda nodes: all(self.safe(n, func, module) for n in nodes)  # noqa: E731
        callee = node.func
        if isinstance(callee, ast.Name) and callee.id in NUMERIC:
            return True
        if isinstance(callee, ast.Name) and callee.id in PASS_THROUGH:
            return every(args)
        if isinstance(callee, ast.Name) and callee.id == "fields":
            return all(isinstance(a, ast.Name) for a in node.args)  # a dataclass's field names
        if isinstance(callee, ast.Name) and self._is_class(callee.id, module):
            return every(args)  # an object built from constants
        if (
            isinstance(callee, ast.Attribute)
            and isinstance(callee.value, ast.Name)
            and (callee.value.id, callee.attr) == ("resources", "files")
        ):
            return every(args)  # package data shipped with jwlink (schema.sql)
        if isinstance(callee, ast.Attribute):
            if callee.attr in ("join", "format", *STR_METHODS):
                return self.safe(callee.value, func, module) and every(args)
        targets = self._callees(node)
        return bool(targets) and all(self._returns(f) for f in targets)

    def _callees(self, call: ast.Call) -> list[ast.FunctionDef]:
        """The package functions a call may run (every method of that name for ``obj.m()``)."""
        callee = call.func
        if isinstance(callee, ast.Name):
            found = self._resolve_function(callee.id, self.owner[call], call)
            return [found] if found is not None else []
        if isinstance(callee, ast.Attribute):
            if isinstance(callee.value, ast.Name) and callee.value.id in ("self", "cls"):
                found = self._method(call, callee.attr)
                return [found] if found is not None else []
            return [
                function
                for module in self.modules.values()
                for key, function in module.functions.items()
                if key.endswith(f".{callee.attr}")
            ]
        return []

    def _is_class(self, name: str, module: Module) -> bool:
        if name in module.classes:
            return True
        source, real = module.imports.get(name, ("", ""))
        other = self.modules.get(source)
        return other is not None and real in other.classes

    def _method(self, node: ast.AST, name: str) -> ast.FunctionDef | None:
        for key, function in self.owner[node].functions.items():
            if key.endswith(f".{name}"):
                return function
        return None

    def _resolve_function(
        self, name: str, module: Module, where: ast.AST | None = None
    ) -> ast.FunctionDef | None:
        scope = self._nearest_def(where) if where is not None else None
        while scope is not None:  # a function defined inside an enclosing one
            for node in ast.walk(scope):
                if isinstance(node, ast.FunctionDef) and node.name == name and node is not scope:
                    return node
            scope = self._nearest_def(scope)
        if name in module.functions:
            return module.functions[name]
        if name in module.imports:
            source, real = module.imports[name]
            other = self.modules.get(source)
            return other.functions.get(real) if other else None
        return None

    def _returns(self, function: ast.FunctionDef) -> bool:
        module = self.owner[function]
        results = [
            n.value
            for n in ast.walk(function)
            if isinstance(n, ast.Return) and n.value and self._nearest_def(n) is function
        ]
        return all(self.safe(r, function, module) for r in results)

    # ------------------------------------------------------------ names

    def _comprehension(self, node: ast.Name) -> ast.comprehension | None:
        """The comprehension around ``node`` that binds its name, if any."""
        current: ast.AST = node
        while current in self.parents:
            current = self.parents[current]
            if isinstance(current, ast.GeneratorExp | ast.ListComp | ast.SetComp | ast.DictComp):
                for generator in current.generators:
                    names = {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
                    if node.id in names:
                        return generator
            if isinstance(current, ast.FunctionDef | ast.Lambda):
                return None
        return None

    def _name(self, node: ast.Name, func: ast.AST | None, module: Module) -> bool:
        generator = self._comprehension(node)
        if generator is not None:
            return self.safe(generator.iter, func, module)  # an element of a safe collection
        scope = func
        while scope is not None:
            bound = list(self._bindings(node.id, scope))
            if bound:
                return all(self.safe(v, f, self.owner[v]) for v, f in bound)
            if self._is_parameter(node.id, scope):
                if self._sink_sql_parameter(node.id, scope):
                    return True  # a store wrapper's own SQL: its callers are sinks, checked
                return self._parameter(node.id, scope)
            scope = self._function_of(scope)
        if node.id in module.bindings:
            return all(self.safe(v, None, module) for v in module.bindings[node.id])
        if node.id in module.imports:
            source, real = module.imports[node.id]
            other = self.modules.get(source)
            if other and real in other.bindings:
                return all(self.safe(v, None, other) for v in other.bindings[real])
        return False

    def _bindings(self, name: str, scope: ast.AST) -> Iterator[tuple[ast.AST, ast.AST | None]]:
        """Every value the name takes in this function's own body (not nested functions)."""
        for node in ast.walk(scope):
            if node is not scope and self._nearest_def(node) is not scope:
                continue
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    yield from self._unpack(name, target, node.value, scope)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
                yield from self._unpack(name, node.target, node.value, scope)
            elif isinstance(node, ast.For | ast.comprehension):
                if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.target)):
                    yield node.iter, scope  # an element of a safe collection is safe
            elif isinstance(node, ast.NamedExpr) and node.target.id == name:
                yield node.value, scope
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == name
                and node.func.attr in ("append", "extend", "insert", "add", "update")
            ):
                for arg in node.args[-1:]:
                    yield arg, scope

    def _nearest_def(self, node: ast.AST) -> ast.AST | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.Lambda):
                return node
        return None

    def _unpack(
        self, name: str, target: ast.AST, value: ast.AST, scope: ast.AST
    ) -> Iterator[tuple[ast.AST, ast.AST | None]]:
        if isinstance(target, ast.Name) and target.id == name:
            yield value, scope
        elif isinstance(target, ast.Tuple | ast.List):
            for index, element in enumerate(target.elts):
                if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(element)):
                    yield from self._element(value, index, scope)

    def _element(
        self, value: ast.AST, index: int, scope: ast.AST
    ) -> Iterator[tuple[ast.AST, ast.AST | None]]:
        """What lands in position ``index`` when ``value`` is unpacked."""
        if isinstance(value, ast.Tuple) and index < len(value.elts):
            yield value.elts[index], scope
            return
        if isinstance(value, ast.Call):
            targets = self._callees(value)
            returns = [
                (r.value, target)
                for target in targets
                for r in ast.walk(target)
                if isinstance(r, ast.Return) and self._nearest_def(r) is target
            ]
            if returns and all(isinstance(r, ast.Tuple) for r, _ in returns):
                for r, target in returns:
                    yield from self._element(r, index, target)  # type: ignore[arg-type]
                return
        yield value, scope  # the whole value must be safe

    def _is_parameter(self, name: str, scope: ast.AST) -> bool:
        if not isinstance(scope, ast.FunctionDef | ast.Lambda):
            return False
        a = scope.args
        star = [s for s in (a.vararg, a.kwarg) if s is not None]
        return name in {p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs, *star]}

    def _sink_sql_parameter(self, name: str, scope: ast.AST) -> bool:
        """Whether ``name`` is the SQL parameter of a sink (only that one: not its values)."""
        if not isinstance(scope, ast.FunctionDef) or scope.name not in SINKS:
            return False
        params = [p.arg for p in [*scope.args.posonlyargs, *scope.args.args]]
        if params and params[0] in ("self", "cls"):
            params = params[1:]
        return name in params[: _sql_arguments(scope.name)]

    def _parameter(self, name: str, function: ast.AST) -> bool:
        """A parameter is safe when every call site (and the default) passes constant text."""
        if not isinstance(function, ast.FunctionDef):
            return False
        params = [p.arg for p in [*function.args.posonlyargs, *function.args.args]]
        if params and params[0] in ("self", "cls"):
            params = params[1:]
        index = params.index(name) if name in params else None
        values: list[tuple[ast.AST, ast.AST | None]] = []
        vararg = function.args.vararg is not None and function.args.vararg.arg == name
        for call in self._calls_of(function):
            caller = self._function_of(call)
            keyword = [k.value for k in call.keywords if k.arg == name]
            if vararg:
                values += [(a, caller) for a in call.args[len(params) :]]
            elif keyword:
                values.append((keyword[0], caller))
            elif index is not None and index < len(call.args):
                values.append((call.args[index], caller))
        defaults = dict(zip(params[::-1], function.args.defaults[::-1], strict=False))
        if name in defaults:
            values.append((defaults[name], None))
        return bool(values) and all(self.safe(v, f, self.owner[v]) for v, f in values)

    def _calls_of(self, function: ast.FunctionDef) -> Iterator[ast.Call]:
        home = self.owner[function]
        for node, module in self.calls.get(function.name, []):
            f = node.func
            if isinstance(f, ast.Name) and self._resolve_function(f.id, module, node) is function:
                yield node
            elif isinstance(f, ast.Attribute) and module is home:
                if any(k.endswith(f".{function.name}") for k in home.functions):
                    yield node


def _sql_arguments(sink: str) -> int:
    """How many leading arguments of a sink are SQL text (``_bulk``: the table and the SQL)."""
    return 2 if sink == "_bulk" else 1


def load(root: Path = SRC, package: str = "jwlink") -> dict[str, Module]:
    """Parse every module under ``root``."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join((package, *parts)).removesuffix(".__init__")
        modules[name] = Module(name, ast.parse(path.read_text(), str(path)), str(path))
    return modules


def unsafe_sql(modules: dict[str, Module]) -> tuple[int, list[str]]:
    """Return (sinks checked, the ones whose SQL is not provably constant)."""
    checker = Checker(modules)
    checked, problems = 0, []
    for module in modules.values():
        for node in ast.walk(module.tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in SINKS or not node.args:
                continue
            func = checker._function_of(node)
            sql_args = node.args[: _sql_arguments(node.func.attr)]
            for arg in sql_args:
                # A wrapper handing its own parameter on: its callers are sinks, checked.
                wrapper = isinstance(func, ast.FunctionDef) and func.name in SINKS
                if wrapper and isinstance(arg, ast.Name) and checker._is_parameter(arg.id, func):
                    continue
                checked += 1
                if not checker.safe(arg, func, module):
                    problems.append(f"{module.path}:{node.lineno}: {ast.unparse(arg)[:120]}")
    return checked, problems
