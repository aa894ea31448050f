"""Evidence that disagrees merges to the same catalog in any order, on both backends."""

from __future__ import annotations

import itertools
from functools import reduce

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jwlink.core.model import Batch, Kind, Link, Member, Observation
from jwlink.store.merge import merge, pick

OBS_ID = "jw01234-o001_t001_nircam_clear-f200w"
texts = st.none() | st.sampled_from(["NIRCAM", "NIRCAM/IMAGE", "t001", "WFSC STAR 1", "é", "e"])
numbers = st.none() | st.sampled_from([60172.37, 60172.41, -1.5, 0.0])
observations = st.builds(
    Observation,
    obs_id=st.just(OBS_ID),
    calib_level=st.integers(1, 3),
    instrument_name=texts,
    target_name=texts,
    release_date=st.none() | st.sampled_from(["2026-01-01", "2025-12-31"]),
    t_min=numbers,
    t_max=numbers,
    is_association=st.booleans(),
)


@given(st.lists(observations, min_size=2, max_size=4), st.randoms())
def test_merge_is_free_of_order(evidence: list[Observation], rnd) -> None:
    shuffled = evidence[:]
    rnd.shuffle(shuffled)
    assert reduce(merge, evidence) == reduce(merge, shuffled)


def test_pick_keeps_the_most_specific_value() -> None:
    assert pick("instrument_name", "NIRCAM", "NIRCAM/IMAGE") == "NIRCAM/IMAGE"
    assert pick("target_name", "WFSC STAR 1", "t001") == "WFSC STAR 1"
    assert pick("data_rights", "EXCLUSIVE_ACCESS", "PUBLIC") == "EXCLUSIVE_ACCESS"
    assert pick("t_min", 2.0, 1.0) == 1.0
    assert pick("t_max", 2.0, 1.0) == 2.0
    assert pick("filters", None, "F200W") == "F200W"
    assert pick("filters", "F200W", None) == "F200W"


def _batch(i: int, obs: Observation, evidence: str) -> Batch:
    link = Link("a_asn.json", "b_cal.fits", Kind.ANTECEDENT, "association", evidence)
    member = Member(OBS_ID, "jw01234001001_02101_00001_nrca1", "science", evidence)
    return Batch(source=f"file{i}", observations=[obs], links=[link], members=[member])


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(observations, min_size=2, max_size=3))
def test_backend_merges_like_python_in_every_order(db_url: str, evidence: list) -> None:
    """Every order of writes ends with the row `merge` gives, and the least evidence."""
    from conftest import dump

    from jwlink.store import open_store

    store = open_store(db_url)
    try:
        dumps = []
        for order in itertools.permutations(range(len(evidence))):
            for table in ("observations", "links", "members"):
                with store.transaction():
                    store.execute(f"DELETE FROM {table}")  # noqa: S608 - constant names
            for i in order:
                store.write(_batch(i, evidence[i], f"evidence-{i}"))
            dumps.append(dump(store))
        assert all(d == dumps[0] for d in dumps)
        expected = reduce(merge, evidence)
        row = store.execute(
            "SELECT instrument_name, target_name, release_date, t_min, t_max, calib_level, "
            "is_association FROM observations WHERE obs_id = ?",
            (OBS_ID,),
        )[0]
        assert row == (
            expected.instrument_name, expected.target_name, expected.release_date,
            expected.t_min, expected.t_max, expected.calib_level, int(expected.is_association),
        )  # fmt: skip
        assert store.execute("SELECT evidence FROM links") == [("evidence-0",)]
        assert store.execute("SELECT evidence FROM members") == [("evidence-0",)]
    finally:
        store.close()
