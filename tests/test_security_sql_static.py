"""Static check: no SQL text in ``src/jwlink`` is built from a caller's value.

The checker (`Checker`, `load`, `unsafe_sql`) is in `sql_checker`.
"""

from __future__ import annotations

from sql_checker import load, unsafe_sql


def test_no_sql_is_built_from_caller_values() -> None:
    checked, problems = unsafe_sql(load())
    assert not problems, "\n".join(problems)
    assert checked >= 60, checked
