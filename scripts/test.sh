#!/usr/bin/env bash
# Install jwlink with its test and pipeline extras, then run the whole suite.
# pytest exits 5 when it collects nothing: that is a failure here, never a pass.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e '.[test,pipeline]'
python -m pytest -q "$@"
