"""Paged product lists are slices of the whole list, whatever the page (synthetic archive).

Program lists cut a page from the observations it overlaps only; these
tests hold each page to the rows of the list read whole, on both backends.
"""

from __future__ import annotations

import pytest

from jwlink.query import questions
from jwlink.store import SqlStore
from jwlink.synth import generate_catalog


@pytest.fixture
def archive(store: SqlStore) -> SqlStore:
    generate_catalog(store, seed=3, products=1500)
    return store


def _programs(store: SqlStore) -> list[str]:
    rows = store.execute(
        "SELECT program FROM products WHERE program IS NOT NULL GROUP BY program "
        "ORDER BY COUNT(*) DESC"
    )
    return [str(r[0]) for r in rows]


def test_program_pages_are_slices_of_the_whole_list(archive: SqlStore) -> None:
    programs = _programs(archive)
    assert programs, "the synthetic archive has programs"
    for program, page_size in [(p, s) for p in programs[:3] for s in (1, 7, 100, 1000)]:
        whole = questions.program_product_list(archive, program)
        assert whole.total == len(whole.rows) > 0
        pages = -(-whole.total // page_size) + 1  # one page past the end too
        for page in range(1, min(pages, 12) + 1):
            got = questions.program_product_list(archive, program, page=page, page_size=page_size)
            start = (page - 1) * page_size
            assert got.total == whole.total
            assert got.rows == whole.rows[start : start + page_size], (program, page)


def test_program_last_page_beyond_and_filtered(
    archive: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = _programs(archive)[0]
    whole = questions.program_product_list(archive, program)
    size = 50
    last = -(-whole.total // size)
    tail = questions.program_product_list(archive, program, page=last, page_size=size)
    assert tail.rows == whole.rows[(last - 1) * size :]
    past = questions.program_product_list(archive, program, page=last + 1, page_size=size)
    assert past.rows == [] and past.total == whole.total

    filters = questions.ProductFilters(mrp_only=True)
    kept = questions.program_product_list(archive, program, filters=filters)
    got = questions.program_product_list(archive, program, filters=filters, page=2, page_size=5)
    assert got.total == kept.total == len(kept.rows)
    assert got.rows == kept.rows[5:10]
    # A page over more observations than one IN list holds: all are read.
    monkeypatch.setattr(questions, "_MAX_PICKED", 0)
    wide = questions.program_product_list(archive, program, page=2, page_size=size)
    assert wide.total == whole.total and wide.rows == whole.rows[size : 2 * size]


def test_an_observation_list_without_page_size_ignores_the_page(archive: SqlStore) -> None:
    # page_size None is the whole list, whatever the page; an empty answer
    # (a filter nothing passes) must count without a probe for a page.
    obs_id = archive.execute("SELECT obs_id FROM observations ORDER BY obs_id LIMIT 1")[0][0]
    whole = questions.product_list(archive, obs_id)
    assert whole.rows and questions.product_list(archive, obs_id, page=3).rows == whole.rows
    nothing = questions.ProductFilters(suffixes=("no-such-suffix",))
    empty = questions.product_list(archive, obs_id, filters=nothing, page=2)
    assert (empty.rows, empty.total) == ([], 0)
