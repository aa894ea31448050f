# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""Property-based checks of the whole OpenAPI surface: no input gives a server error (5xx).

schemathesis reads /openapi.json from the application in process (ASGI) and
generates up to 20 requests per operation. (Its lazy pytest fixture does not
run under pytest 9, so the operations are driven from one test per backend.)
"""

from __future__ import annotations

from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from api_archive import Archive, archive  # noqa: E402, F401 - archive is a fixture
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from jwlink.app import create_app  # noqa: E402

MAX_EXAMPLES = 20
# 23 operations: the native API (8), single files (GET and HEAD of /api/v1/files and
# of MAST's Download/file: 4), manifests and bundles (4), what changed since a
# download (POST /api/v1/changes: 1), stale products (GET /api/v1/stale: 1), MAST
# invoke, columnsconfig and whoami (3), DataLink GET and POST (2). A new route
# changes it on purpose.
OPERATIONS = 23


def test_no_server_errors(archive: Archive) -> None:
    app = create_app(archive.db_url, archive.data_root, archive.tokens)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    tested = []
    try:
        for result in schema.get_all_operations():
            operation = result.ok()

            @given(case=operation.as_strategy())
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                case.call_and_validate(checks=[not_a_server_error])

            check()
            tested.append(operation.label)
    finally:
        app.state.jwlink.pool.close()
    documented = {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    # Every operation of the document was driven, and the document has them all.
    assert sorted(tested) == sorted(documented)
    assert len(tested) == OPERATIONS, sorted(tested)
