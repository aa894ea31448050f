"""The SQL checker of `test_security_sql_static` on snippets: what it must catch and pass.

Without these, a checker that accepted everything would pass on the package.
"""

from __future__ import annotations

import ast

import pytest
from sql_checker import Module, unsafe_sql


def _code(*lines: str) -> str:
    return "\n".join(lines) + "\n"


BAD = {
    "dict_comprehension": _code(
        "def f(store, v):",
        "    table = {k: v for k in ('a', 'b')}",
        "    store.execute(f\"SELECT 1 WHERE {table['a']}\")",
    ),
    "fstring": _code("def f(store, v):", "    store.execute(f\"SELECT 1 WHERE a = '{v}'\")"),
    "concat": _code("def f(store, v):", "    store.execute('SELECT 1 WHERE a = ' + v)"),
    "percent": _code("def f(store, v):", "    store.execute(\"SELECT 1 WHERE a = '%s'\" % v)"),
    "format": _code("def f(store, v):", "    store.execute('SELECT {x} FROM t'.format(x=v))"),
    "variable": _code("def f(store, v):", "    sql = 'SELECT ' + v", "    store.execute(sql)"),
    "appended": _code(
        "def f(store, v):",
        "    terms = ['1 = 1']",
        "    terms.append(v)",
        "    store.execute(' AND '.join(terms))",
    ),
    "call_site": _code(
        "def q(store, col):",
        "    store.execute(f'SELECT {col} FROM t')",
        "def g(store, user):",
        "    q(store, 'a')",
        "    q(store, user)",
    ),
    "returned": _code(
        "def build(v):",
        "    return f'SELECT {v}'",
        "def g(store, v):",
        "    store.execute(build(v))",
    ),
    "unpacked": _code(
        "def build(v):",
        "    return f'a = {v}', [v]",
        "def g(store, v):",
        "    where, params = build(v)",
        "    store.execute('SELECT 1 WHERE ' + where, params)",
    ),
    "method": _code(
        "class Q:",
        "    def sql(self, v):",
        "        return f'a = {v}', []",
        "def g(store, q, v):",
        "    where, params = q.sql(v)",
        "    store.execute('SELECT 1 WHERE ' + where, params)",
    ),
    "nested": _code(
        "def g(store, v):",
        "    def among(expr):",
        "        return f'{expr} IN (?)'",
        "    store.execute('SELECT 1 WHERE ' + among(v))",
    ),
    "attribute": _code("def f(store, request):", "    store.execute(request.sql)"),
    "str_method": _code("def f(store, v):", "    store.execute('SELECT 1'.replace('1', v))"),
    "bulk_table": _code(
        "def f(store, t, rows):", "    store._bulk(t, 'INSERT INTO x VALUES (?)', rows)"
    ),
    # A sink that reshapes its SQL (execute_in): its callers' SQL is checked...
    "sink_wrapper_caller": _code(
        "class S:",
        "    def execute_in(self, sql, values, table='t'):",
        "        return self.execute(sql.replace('{marks}', '?').replace('{t}', table), values)",
        "def g(store, v):",
        "    store.execute_in('SELECT a FROM t WHERE ' + v + ' IN ({marks})', [1])",
    ),
    # ... and only its SQL parameter is taken on trust, not the others.
    "sink_wrapper_other_parameter": _code(
        "class S:",
        "    def execute_in(self, sql, values, table='t'):",
        "        return self.execute(sql.replace('{marks}', '?').replace('{t}', table), values)",
        "def g(store, v):",
        "    store.execute_in('SELECT a FROM {t} WHERE a IN ({marks})', [1], v)",
    ),
}
GOOD = {
    "dict_comprehension": _code(
        "TABLE = {k: k.upper() for k in ('a', 'b')}",
        "def f(store):",
        "    store.execute(f\"SELECT {TABLE['a']} FROM t\")",
    ),
    "literal": _code("def f(store, v):", "    store.execute('SELECT 1 WHERE a = ?', (v,))"),
    "placeholders": _code(
        "def f(store, names):",
        "    marks = ', '.join('?' for _ in names)",
        "    store.execute(f'SELECT 1 FROM t WHERE a IN ({marks})', names)",
    ),
    "constant_table": _code(
        "COLUMNS = {'a': 'LOWER(a)'}",
        "def f(store, key, v):",
        "    expr = COLUMNS[key]",
        "    store.execute(f'SELECT 1 WHERE {expr} = ?', (v,))",
    ),
    "call_site": _code(
        "def q(store, col):",
        "    store.execute(f'SELECT {col} FROM t')",
        "def g(store):",
        "    q(store, 'a')",
        "    q(store, col='b')",
    ),
    "unpacked": _code(
        "def build(v):",
        "    return 'a = ?', [v]",
        "def g(store, v):",
        "    where, params = build(v)",
        "    store.execute('SELECT 1 WHERE ' + where, params)",
    ),
    "loop": _code(
        "TABLES = ('a', 'b')",
        "def f(store):",
        "    for t in TABLES:",
        "        store.execute(f'SELECT COUNT(*) FROM {t}')",
    ),
    "sink_wrapper": _code(
        "class S:",
        "    def execute_in(self, sql, values, table='t'):",
        "        return self.execute(sql.replace('{marks}', '?').replace('{t}', table), values)",
        "def g(store, names):",
        "    store.execute_in('SELECT a FROM {t} WHERE a IN ({marks})', names, 'u')",
    ),
    "self_extended": _code(
        "def f(store, v):",
        "    sql = 'SELECT 1'",
        "    sql = sql + ' WHERE a = ?'",
        "    store.execute(sql, (v,))",
    ),
}


@pytest.mark.parametrize("snippet", BAD.values(), ids=list(BAD))
def test_checker_catches(snippet: str) -> None:
    checked, problems = unsafe_sql({"m": Module("m", ast.parse(snippet), "m.py")})
    assert checked >= 1 and problems, snippet


@pytest.mark.parametrize("snippet", GOOD.values(), ids=list(GOOD))
def test_checker_accepts(snippet: str) -> None:
    checked, problems = unsafe_sql({"m": Module("m", ast.parse(snippet), "m.py")})
    assert checked >= 1 and not problems, problems
