# ruff: noqa: F811 - fixtures are imported, then requested by name
"""SQL injection on every parameter of every route, enumerated from the application itself.

The archive, fixtures and helpers are in `security_probes`.
"""

from __future__ import annotations

from typing import Any

from api_archive import Archive, archive  # noqa: F401 - archive is a fixture
from conftest import dump
from security_probes import (  # noqa: F401 - fixtures are requested by name
    NO_MATCH,
    OUTSIDE_SCHEMA,
    PAYLOADS,
    all_probes,
    client,
    judge,
    route_paths,
    signature,
)

from jwlink.store import open_store


def test_every_route_is_probed(client: Any) -> None:
    doc = client.app.openapi()
    schema_paths = set(doc["paths"])
    assert route_paths(client.app) <= schema_paths | OUTSIDE_SCHEMA, "a new route needs probes"
    probes = all_probes(doc)
    labels = {p.label for p in probes}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert any(lbl.startswith(f"{method.upper()} {path} ") for lbl in labels), (
                method,
                path,
            )
            for param in operation.get("parameters", []):
                assert f"{method.upper()} {path} {param['in']}:{param['name']}" in labels
    assert len(probes) >= 100, len(probes)


def test_injection_on_every_parameter(client: Any, archive: Archive) -> None:
    store = open_store(archive.db_url, readonly=True)
    try:
        before = dump(store)
    finally:
        store.close()
    problems: list[str] = []
    sent = 0
    for probe in all_probes(client.app.openapi()):
        baseline = probe.send(client, NO_MATCH)
        assert baseline.status_code < 500, (probe.label, baseline.text[:300])
        no_match = signature(baseline, NO_MATCH)
        for value in PAYLOADS:
            response = probe.send(client, value)
            if response is not None:
                problems += judge(probe, value, response, no_match)
                sent += 1
    assert not problems, "\n".join(problems[:20])
    store = open_store(archive.db_url, readonly=True)
    try:
        assert dump(store) == before
    finally:
        store.close()
    assert sent >= 100 * len(PAYLOADS)
