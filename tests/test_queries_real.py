"""Product lists, lineage, MRP and impact over the real associations, on both backends."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import DATA, need_data, pg_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from member_kinds import EXPECTED_L2, EXPECTED_L3

from jwlink.ingest import ingest
from jwlink.query import questions
from jwlink.query.lineage import impact_sql, lineage_sql
from jwlink.query.productlist import asn_type_of, product_list_sql
from jwlink.readers import read_association
from jwlink.store import open_store

L3_TYPES = ("image3", "spec3", "coron3", "ami3", "tso3", "wfs-image3")


def _sets() -> list[tuple[str, list[Path]]]:
    """Each catalog to build: its inputs (expanded pools each get their own)."""
    if not DATA.is_dir():
        return []
    sets = [("generated", [DATA / "generated_asn", DATA / "pools/mega_pool.csv",
                           DATA / "pools/jw87800_20180412T163456_pool.csv",
                           DATA / "pools/jw09505_20251216t202003_pool.csv",
                           DATA / "pools/pool_033_wfs_jitter.csv"])]  # fmt: skip
    for pool in sorted((DATA / "expanded/pools").iterdir()):
        name = pool.name.removesuffix("_expanded.csv")
        sets.append((name, [pool, DATA / "expanded/asn" / name]))
    return sets


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def catalogs(request, tmp_path_factory):
    """Every catalog of `_sets` on one backend: {set name: (store, associations)}."""
    need_data()
    built, contexts = {}, []
    for name, inputs in _sets():
        if request.param == "sqlite":
            store = open_store(str(tmp_path_factory.mktemp(name) / "c.db"))
        else:
            context = pg_schema()
            contexts.append(context)
            store = open_store(context.__enter__())
        report = ingest(store, inputs)
        assert report.errors == [], report.errors
        asns = [
            read_association(p)
            for p in sorted(inputs[-1 if name != "generated" else 0].rglob("*.json"))
        ]
        built[name] = (store, asns)
    yield built
    for store, _ in built.values():
        store.close()
    for context in contexts:
        context.__exit__(None, None, None)


def _level3(asn) -> bool:
    return (asn.association.asn_type or "") in L3_TYPES


def test_lineage_up_holds_every_member_with_its_kind(catalogs):
    for store, asns in catalogs.values():
        for asn in asns:
            table = EXPECTED_L3 if _level3(asn) else EXPECTED_L2
            for product in asn.products:
                graph = questions.lineage(store, product.name, "up")
                edges = {(e["source"], e["kind"], e["role"]) for e in graph.edges}
                for member in product.members:
                    assert member.expname in graph.names()
                    kind, role = table[member.exptype]
                    assert (member.expname, kind, role) in edges, (asn.path, member)


def test_l3_lineage_reaches_cal_rate_uncal_and_back(catalogs):
    for store, asns in catalogs.values():
        for asn in filter(_level3, asns):
            for product in asn.products:
                up = questions.lineage(store, product.name, "up").names()
                for member in product.members:
                    if member.exptype != "science" or not member.expname.endswith("_cal.fits"):
                        continue
                    stem = member.expname.removesuffix("_cal.fits")
                    assert {f"{stem}_cal.fits", f"{stem}_rate.fits", f"{stem}_uncal.fits"} <= up
                    down = questions.lineage(store, member.expname, "down")
                    _, obs_id = questions.resolve(store, product.name)
                    assert obs_id in down.observations, (member.expname, obs_id)


def test_l3_product_list_lists_every_member_once(catalogs):
    for store, asns in catalogs.values():
        for asn in filter(_level3, asns):
            for product in asn.products:
                rows = questions.product_list(store, product.name).rows
                counts = Counter(r["productFilename"] for r in rows)
                assert max(counts.values()) == 1, counts.most_common(3)
                for member in product.members:
                    assert counts[member.expname] == 1, (asn.path, member.expname)
                obsid = questions.product_list(store, product.name).obsid
                assert {r["parent_obsid"] for r in rows} == {obsid}


def test_all_duplicates_restores_mast_behaviour(catalogs):
    store, _ = catalogs["generated"]
    name = "jw87800-o017_t002_niriss_f200w-gr150r"
    once = questions.product_list(store, name).rows
    every = questions.product_list(store, name, all_duplicates=True).rows
    assert len(every) >= len(once)
    assert {r["productFilename"] for r in every} == {r["productFilename"] for r in once}


def test_mrp_follows_the_rules_table(catalogs):
    for store, asns in catalogs.values():
        for asn in asns:
            for product in asn.products:
                result = questions.mrp(store, product.name)
                rows = {
                    r["productFilename"]: r
                    for r in questions.product_list(store, product.name).rows
                }
                chosen = [rows[n] for n in result.products]
                if _level3(asn):
                    # Combined products only: no L2, nothing ancillary.
                    assert chosen, (asn.path, product.name)
                    assert {r["level"] for r in chosen} == {"3"}
                else:
                    # Level 2 only: calibrated exposures (and per-exposure spectra/images).
                    assert {r["level"] for r in chosen} == {"2b"}, result.products
                    assert {r["suffix"] for r in chosen} & {"cal", "calints"}, result.products
                    assert {r["suffix"] for r in chosen} <= {
                        "cal",
                        "calints",
                        "x1d",
                        "s2d",
                        "s3d",
                        "i2d",
                        "x1dints",
                    }
                assert all(r["productType"] == "SCIENCE" for r in chosen)
                assert {e["name"] for e in result.explain} == set(rows)


def test_mrp_of_l2_only_observation_is_its_cal(catalogs):
    store, _ = catalogs["generated"]
    result = questions.mrp(store, "jw87800017001_02101_00001_nis")
    assert result.products == ["jw87800017001_02101_00001_nis_cal.fits"]
    rules = {e["name"]: e["rule"] for e in result.explain}
    assert rules["jw87800017001_02101_00001_nis_uncal.fits"] == "uncalibrated"
    assert rules["jw87800017001_02101_00001_nis_cal.fits"] == "l2b-most-calibrated"


def test_no_product_twice_in_default_lists(catalogs):
    for store, _ in catalogs.values():
        for (obs_id,) in store.execute("SELECT obs_id FROM observations"):
            rows = questions.product_list(store, obs_id).rows
            names = [r["productFilename"] for r in rows]
            assert len(names) == len(set(names)), obs_id


def test_backends_agree(catalogs, tmp_path):
    """The same inputs give the same answers on SQLite and PostgreSQL."""
    name, inputs = _sets()[1]
    other = open_store(str(tmp_path / "sqlite.db"))
    ingest(other, inputs)
    store, asns = catalogs[name]
    for asn in asns:
        for product in asn.products:
            for direction in ("up", "down", "both"):
                a = questions.lineage(store, product.name, direction).as_dict()
                b = questions.lineage(other, product.name, direction).as_dict()
                assert a == b
            a = questions.product_list(store, product.name).as_dict()
            b = questions.product_list(other, product.name).as_dict()
            assert a == b
    other.close()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_lineage_properties(catalogs, data):
    store, _ = catalogs["generated"]
    names = [r[0] for r in store.execute("SELECT DISTINCT source FROM links ORDER BY source")]
    x = data.draw(st.sampled_from(names))
    up = questions.lineage(store, x, "up")
    for y in sorted(up.names() - {x})[:5]:
        assert x in questions.lineage(store, y, "down").names()
    depth = data.draw(st.integers(min_value=0, max_value=3))
    assert questions.lineage(store, x, "up", depth=depth).names() <= up.names()
    assert questions.lineage(store, x, "both").names() >= up.names()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mrp_is_a_subset_of_the_product_list(catalogs, data):
    store, _ = catalogs["generated"]
    obs_ids = [r[0] for r in store.execute("SELECT obs_id FROM observations ORDER BY obs_id")]
    obs_id = data.draw(st.sampled_from(obs_ids))
    listed = {r["productFilename"] for r in questions.product_list(store, obs_id).rows}
    assert set(questions.mrp(store, obs_id).products) <= listed


def test_cycles_and_diamonds_terminate(store):
    from jwlink.core.linker.products import product_for
    from jwlink.core.model import Batch, Kind, Link

    names = [f"jw_0000{i}_cal.fits" for i in range(1, 5)]
    links = [Link(names[0], names[1], Kind.ANTECEDENT, "stage", "t"),
             Link(names[0], names[2], Kind.ANTECEDENT, "stage", "t"),
             Link(names[1], names[3], Kind.COMPOSITION, "science", "t"),
             Link(names[2], names[3], Kind.COMPOSITION, "science", "t"),
             Link(names[3], names[0], Kind.LINKED, "preview", "t")]  # fmt: skip
    store.write(Batch("t", products=[product_for(n) for n in names], links=links))
    graph = questions.lineage(store, names[3], "up")
    assert graph.names() == set(names)
    assert len(graph.edges) == 5
    limited = questions.lineage(store, names[3], "up", depth=1)
    assert limited.names() == {names[1], names[2], names[3]}
    assert questions.lineage(store, names[3], "up", kinds=["composition"]).names() == set(
        names[1:4]
    )


def test_query_plans_use_indexes(tmp_path, data):
    store = open_store(str(tmp_path / "plan.db"))
    ingest(store, [data / "generated_asn"])
    store.execute("ANALYZE")
    both, both_params = lineage_sql(True, "both", ["composition"], 3)
    statements = [
        (lineage_sql(False, "up")[0], ["x"]),
        (lineage_sql(False, "down")[0], ["x"]),
        (both, ["x", *both_params]),
        (product_list_sql(False), ["x"]),
        (product_list_sql(False, stored=True), ["x"]),
        (impact_sql(False), ["x", "x"]),
    ]
    for sql, params in statements:
        plan = " | ".join(str(r[-1]) for r in store.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        assert "SCAN l " not in plan + " " and "SCAN links" not in plan, plan
        assert "SCAN p " not in plan + " " and "SCAN products" not in plan, plan
        # A Bloom filter is built by reading the whole table it filters: once
        # ANALYZE has sized links and products, a join on them may get one.
        assert "BLOOM FILTER" not in plan, plan
    # A stored list's page is a range of its index, in order: no sort, no
    # scan of the list's other rows before the page (issue 14).
    paged = product_list_sql(False, stored=True, paged=True)
    plan = " | ".join(
        str(r[-1]) for r in store.execute(f"EXPLAIN QUERY PLAN {paged}", ["x", 100, 0])
    )
    assert "SEARCH listings USING INDEX" in plan and "TEMP B-TREE" not in plan, plan
    store.close()


def test_sql_and_python_policies_agree(catalogs):
    """The MRP rules decide the same in the database (lists) and in Python (explain)."""
    from jwlink.core.mrp import explain
    from jwlink.query.productlist import mast_row

    for store, _ in catalogs.values():
        for (obs_id,) in store.execute("SELECT obs_id FROM observations"):
            raw = store.execute(product_list_sql(False, collate=store.collate), (obs_id,))
            rows = [mast_row(r, "0") for r in raw]
            python = {d.name: d.rule for d in explain(rows, asn_type_of(store, obs_id))}
            sql = {e["name"]: e["rule"] for e in questions.mrp(store, obs_id).explain}
            assert python == sql, obs_id
