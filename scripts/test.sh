#!/usr/bin/env bash
# Install jwlink with its test and pipeline extras, run the gates, then the suite.
# The gates run first and any finding fails the run: ruff's lint and format
# check over package, tests and benchmarks, and mypy --strict over the package
# (config in pyproject.toml). Arguments go to pytest only.
# pytest exits 5 when it collects nothing: that is a failure here, never a pass.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e '.[test,pipeline]'
echo "== ruff check" >&2
python -m ruff check src tests benchmarks
echo "== ruff format --check" >&2
python -m ruff format --check src tests benchmarks
echo "== mypy --strict" >&2
python -m mypy --strict src
echo "== pytest" >&2
python -m pytest -q "$@"
