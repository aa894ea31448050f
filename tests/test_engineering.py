"""Engineering Database series, guider exposures and pre-images, on real data.

The series are the real Engineering Database responses of ../shared/data/engdb/engdb
(jwst's test data); the guider exposures the real FGS headers of
../shared/data/engdb/fgs_exposures. Science exposures are synthesized here,
inside and around those windows. Expected links are computed in this file
from the files themselves with astropy's Time, not with jwlink's code.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from astropy.io import fits
from astropy.time import Time
from conftest import need_data

from jwlink.ingest import ingest
from jwlink.store import SqlStore

_SECOND = 1 / 86400


def _series_span(path: Path) -> tuple[str, list[float]]:
    """The mnemonic and every sample time (MJD) of a real response, read with astropy."""
    doc = json.loads(path.read_text())
    ms = [int(re.search(r"\d+", d["ObsTime"]).group()) for d in doc["Data"]]
    return doc["TlmMnemonic"], list(Time([m / 1000 for m in ms], format="unix").mjd)


def _exposure(folder: Path, name: str, start: float, end: float, **extra: object) -> Path:
    """Write a tiny exposure whose primary header carries identity and EXPSTART/EXPEND."""
    program, obs, visit = name[2:7], name[7:10], name[10:13]
    header = fits.Header()
    header.update(
        {
            "FILENAME": name,
            "PROGRAM": program,
            "OBSERVTN": obs,
            "VISIT": visit,
            "VISIT_ID": name[2:13],
            "INSTRUME": "NIRCAM",
            "DETECTOR": "NRCA1",
            "EXP_TYPE": "NRC_IMAGE",
            "EXPSTART": start,
            "EXPEND": end,
            **extra,
        }
    )
    path = folder / name
    fits.PrimaryHDU(header=header).writeto(path)
    return path


def _targets(store: SqlStore, source: str, kind: str) -> set[str]:
    rows = store.execute("SELECT target FROM links WHERE source = ? AND kind = ?", (source, kind))
    return {r[0] for r in rows}


def _engineering_links(store: SqlStore) -> set[tuple[str, str]]:
    rows = store.execute(
        "SELECT l.role, l.target FROM links l WHERE l.kind = 'contributing' "
        "AND l.role LIKE 'engineering:%'"
    )
    return {(r[0].removeprefix("engineering:"), r[1]) for r in rows}


def test_exposures_inside_the_real_series_link_to_them(store: SqlStore, tmp_path: Path) -> None:
    engdb = need_data() / "engdb" / "engdb"
    series = {m: t for m, t in map(_series_span, sorted(engdb.glob("*_data.json")))}
    assert len(series) == 21
    zattest = series["SA_ZATTEST1"]
    rfgs = series["SA_ZRFGS2J11"]
    folder = tmp_path / "exposures"
    folder.mkdir()
    windows = {
        # Inside every pointing series.
        "jw01234001001_02101_00001_nrca1_uncal.fits": (zattest[100], zattest[200]),
        # After the first sample of SA_ZRFGS2J11 (the bracketing value before
        # the range asked for) and before its second: only the bracket covers it.
        "jw01234001001_02101_00002_nrca1_uncal.fits": (
            rfgs[0] + 2 * _SECOND,
            rfgs[0] + 4 * _SECOND,
        ),
        # Before every series, and after every series.
        "jw01234001001_02101_00003_nrca1_uncal.fits": (rfgs[0] - 60 * _SECOND, rfgs[0] - _SECOND),
        "jw01234001001_02101_00004_nrca1_uncal.fits": (
            max(t[-1] for t in series.values()) + _SECOND,
            max(t[-1] for t in series.values()) + 60 * _SECOND,
        ),
    }
    for name, (start, end) in windows.items():
        _exposure(folder, name, start, end)
    # Exposures first, series after: linking does not depend on the order.
    report = ingest(store, [folder, engdb])
    assert report.errors == []
    assert "meta.json" in " ".join(report.passed_over)
    expected = {
        (mnemonic, name)
        for mnemonic, times in series.items()
        for name, (start, end) in windows.items()
        if start <= max(times) and end >= min(times)
    }
    assert _engineering_links(store) == expected
    bracketed = "jw01234001001_02101_00002_nrca1_uncal.fits"
    assert ("SA_ZRFGS2J11", bracketed) in expected
    # ... and only its bracketing value makes it so.
    assert windows[bracketed][1] < rfgs[1]
    assert {m for m, n in expected if n == bracketed} == {
        m for m, t in series.items() if t[0] <= windows[bracketed][1]
    }
    assert not any(
        n.endswith(("00003_nrca1_uncal.fits", "00004_nrca1_uncal.fits")) for _, n in expected
    )
    # One product per mnemonic and time range, typed ENGINEERING, at its file.
    rows = store.execute(
        "SELECT name, location FROM products WHERE product_type = 'ENGINEERING' ORDER BY name"
    )
    assert len(rows) == 21
    assert all(Path(r[1]).parent == engdb.resolve() for r in rows)
    # Re-ingesting changes nothing; a second drain adds nothing.
    before = store.counts()["links"]
    ingest(store, [folder, engdb])
    assert store.counts()["links"] == before


def _guider_window(header: fits.Header) -> tuple[float, float]:
    starts = [Time(header["GSSTRTTM"].replace(" ", "T"), scale="utc").mjd, header["DATASTRT"]]
    ends = [Time(header["GSENDTIM"].replace(" ", "T"), scale="utc").mjd, header["DATAEND"]]
    return min(starts), max(ends)


def test_guider_exposures_link_their_visits_science(store: SqlStore, tmp_path: Path) -> None:
    fgs = need_data() / "engdb" / "fgs_exposures"
    guiders = {p.name: fits.getheader(p) for p in sorted(fgs.glob("*.fits"))}
    assert len(guiders) == 12
    g1 = _guider_window(guiders["fgs_fineguide_guider1.fits"])
    visit1 = guiders["fgs_fineguide_guider1.fits"]["VISIT_ID"]
    visit2 = guiders["fgs_fineguide_guider2.fits"]["VISIT_ID"]
    folder = tmp_path / "science"
    folder.mkdir()
    middle = (g1[0] + g1[1]) / 2
    exposures = {
        # Science of visit 1 inside its guiding window, and long after it.
        f"jw{visit1}_02101_00001_mirimage_cal.fits": (middle, middle + 10 * _SECOND, {}),
        f"jw{visit1}_02101_00002_mirimage_cal.fits": (g1[1] + 0.5, g1[1] + 0.51, {}),
        # A target acquisition of visit 1 in the window: not science.
        f"jw{visit1}_02101_00003_mirimage_cal.fits": (
            middle,
            middle + _SECOND,
            {"EXP_TYPE": "MIR_TACQ"},
        ),
        # Science of the other visit at the same time: another visit.
        f"jw{visit2}_02101_00001_mirimage_cal.fits": (middle, middle + 10 * _SECOND, {}),
    }
    for name, (start, end, extra) in exposures.items():
        _exposure(folder, name, start, end, **{"EXP_TYPE": "MIR_IMAGE", **extra})
    report = ingest(store, [fgs, folder])
    assert report.errors == []
    for guider, header in guiders.items():
        start, end = _guider_window(header)
        expected = {
            name
            for name, (s, e, extra) in exposures.items()
            if name[2:13] == header["VISIT_ID"] and s <= end and e >= start and not extra
        }
        linked = store.execute(
            "SELECT target FROM links WHERE source = ? AND kind = 'linked' AND role = 'guide_star'",
            (guider,),
        )
        assert {r[0] for r in linked} == expected, guider
    science = f"jw{visit1}_02101_00001_mirimage_cal.fits"
    assert {g for g in guiders if guiders[g]["VISIT_ID"] == visit1} == {
        r[0]
        for r in store.execute(
            "SELECT source FROM links WHERE target = ? AND role = 'guide_star'", (science,)
        )
    }


def test_malformed_engdb_json_names_file_and_field(store: SqlStore, tmp_path: Path) -> None:
    real = need_data() / "engdb" / "engdb" / "sa_zattest1_data.json"
    doc = json.loads(real.read_text())
    doc["Data"][3]["ObsTime"] = "2021-01-26T02:29:02"
    bad = tmp_path / "sa_zattest1_data.json"
    bad.write_text(json.dumps(doc))
    report = ingest(store, [bad])
    assert len(report.errors) == 1
    path, message = report.errors[0]
    assert path == str(bad)
    assert "Data[3].ObsTime" in message and "/Date(" in message
    no_mnemonic = tmp_path / "sa_zattest2_data.json"
    no_mnemonic.write_text(json.dumps({"AllPoints": 1, "Count": 0, "Data": []}))
    report = ingest(store, [no_mnemonic])
    assert "TlmMnemonic" in report.errors[0][1]
    assert store.counts()["products"] == 0


def test_preimage_keyword_links(store: SqlStore, tmp_path: Path) -> None:
    folder = tmp_path / "msa"
    folder.mkdir()
    # A pre-image of the program itself, and one of another program (external).
    _exposure(folder, "jw95065002001_03101_00001_nrs1_cal.fits", 59900.0, 59900.01,
              EXP_TYPE="NRS_MSASPEC", PREIMAGE="95065001_000")  # fmt: skip
    _exposure(folder, "jw01345001001_03101_00001_nrs1_cal.fits", 59900.0, 59900.01,
              EXP_TYPE="NRS_MSASPEC", PREIMAGE="01180001_001")  # fmt: skip
    ingest(store, [folder])
    rows = store.execute("SELECT source, target, kind FROM links WHERE role = 'preimage'")
    assert sorted(rows) == [
        ("preimage_01180001_001", "jw01345001001_03101_00001_nrs1_cal.fits", "contributing"),
        ("preimage_95065001_000", "jw95065002001_03101_00001_nrs1_cal.fits", "prerequisite"),
    ]


def test_an_in_program_preimage_is_no_file_of_the_observation(
    store: SqlStore, tmp_path: Path
) -> None:
    # PREIMAGE is the "Pre-image ID from PPS DB" (stdatamodels core.schema.yaml,
    # meta.instrument.pre_image_id), e.g. 95065001_000 in jwst's MSA tests: an id, no file.
    from jwlink.query import questions

    folder = tmp_path / "own"
    folder.mkdir()
    name = "jw95065002001_03101_00001_nrs1_cal.fits"
    _exposure(folder, name, 59900.0, 59900.01, EXP_TYPE="NRS_MSASPEC", PREIMAGE="95065001_000")
    ingest(store, [folder])
    obs_id = "jw95065002001_03101_00001_nrs1"
    listed = questions.product_list(store, obs_id)
    names = {row["productFilename"] for row in listed.rows}
    assert name in names
    assert "preimage_95065001_000" not in names
    assert "preimage_95065001_000" not in questions.mrp(store, obs_id).products
    # The link itself stays: the product's lineage still says what pre-image it came from.
    up = questions.lineage(store, name, direction="up", depth=1)
    assert ("preimage_95065001_000", name, "prerequisite", "preimage") in {
        (e["source"], e["target"], e["kind"], e["role"]) for e in up.edges
    }


def test_ecsv_cache_of_the_jwst_tools(store: SqlStore, tmp_path: Path) -> None:
    """The ECSV that jwst's EngdbMast.cache writes: the service's CSV read by astropy."""
    from astropy.table import Table

    real = need_data() / "engdb" / "engdb" / "sa_zattest2_data.json"
    mnemonic, times = _series_span(real)
    values = [d["EUValue"] for d in json.loads(real.read_text())["Data"]]
    iso = Time(times, format="mjd").iso
    text = "theTime,MJD,euvalue,sqldataType\r\n" + "".join(
        f"{t},{m:.10f},{v},real\r\n" for t, m, v in zip(iso, times, values, strict=True)
    )
    # As EngdbMast._get_records, then EngdbMast.cache, do it.
    table = Table.read(text.split("\r\n"), format="ascii.csv")
    cache = tmp_path / "cache"
    cache.mkdir()
    table.write(cache / f"{mnemonic.lower()}.ecsv", format="ascii.ecsv")
    folder = tmp_path / "exp"
    folder.mkdir()
    _exposure(folder, "jw01234001001_02101_00001_nrca1_uncal.fits", times[5], times[6])
    report = ingest(store, [cache, folder])
    assert report.errors == []
    assert _engineering_links(store) == {(mnemonic, "jw01234001001_02101_00001_nrca1_uncal.fits")}
    shutil.rmtree(cache)


def test_datalink_serves_an_exposures_engineering_series(tmp_path: Path) -> None:
    """A running ``jwlink serve``: real pyvo reads the series as #auxiliary, per mnemonic."""
    pytest.importorskip("pyvo")
    import requests
    from api_archive import Archive, running_server
    from astropy.io.votable import parse
    from pyvo.dal.adhoc import DatalinkResults

    from jwlink.api.datalink import JWLINK_NS
    from jwlink.store import open_store

    engdb = need_data() / "engdb" / "engdb"
    _, times = _series_span(engdb / "sa_zattest3_data.json")
    data = tmp_path / "data"
    (data / "exp").mkdir(parents=True)
    shutil.copytree(engdb, data / "engdb")
    name = "jw01234001001_02101_00001_nrca1_uncal.fits"
    _exposure(data / "exp", name, times[10], times[11])
    db = str(tmp_path / "catalog.db")
    store = open_store(db)
    try:
        assert ingest(store, [data]).errors == []
        series = {r[0] for r in store.execute(
            "SELECT source FROM links WHERE target = ? AND role LIKE 'engineering:%'", (name,)
        )}  # fmt: skip
    finally:
        store.close()
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("# no tokens\n")
    with running_server(Archive(db, data, tokens, "sqlite"), tmp_path) as server:
        response = requests.get(f"{server.url}/datalink/links", params={"ID": name}, timeout=30)
    assert response.status_code == 200, response.text
    rows = DatalinkResults(parse(io.BytesIO(response.content))).to_table()
    served = {
        str(r["access_url"]).rsplit("/", 1)[-1]: (str(r["semantics"]), str(r["local_semantics"]))
        for r in rows
        if str(r["local_semantics"]).startswith(JWLINK_NS + "engineering/")
    }
    assert set(served) == series and "SA_ZATTEST3" in " ".join(series)
    for product, (term, local) in served.items():
        assert term == "#auxiliary"
        assert local == JWLINK_NS + "engineering/" + product.split("-")[0]


def test_confirmation_images_of_a_real_pool(store: SqlStore) -> None:
    """TA confirmation rows of jwst's mega pool are prerequisites with their own role."""
    import csv

    pool = need_data() / "pools" / "mega_pool.csv"
    lines = [line for line in pool.read_text().splitlines() if not line.startswith("#")]
    rows = [r for r in csv.DictReader(lines, delimiter="|") if r["filename"] != "set acid"]
    confirm = {r["filename"] for r in rows if r["exp_type"].lower().endswith("_taconfirm")}
    confirm |= {r["filename"] for r in rows if r["exp_type"].lower() == "nrs_confirm"}
    acquire = {r["filename"] for r in rows if r["exp_type"].lower().endswith("_tacq")}
    assert confirm and acquire
    ingest(store, [pool])
    roles: dict[str, set[str]] = {}
    for source, role in store.execute("SELECT source, role FROM links WHERE kind = 'prerequisite'"):
        roles.setdefault(source, set()).add(role)
    # Those with science exposures in their observation support them.
    assert confirm & set(roles) and acquire & set(roles)
    assert all(roles[name] == {"confirmation"} for name in confirm & set(roles))
    assert all(roles[name] == {"target_acquisition"} for name in acquire & set(roles))


def _msa_file(path: Path, program: str, preimages: list[str]) -> None:
    """An MSA metadata file laid out as jwst's extract_2d tests build one (create_msa_hdul)."""
    from astropy.table import Table

    n = len(preimages)
    source = Table(
        {
            "program": [int(program)] * n,
            "source_id": list(range(1, n + 1)),
            "source_name": [f"{int(program)}_{i}" for i in range(1, n + 1)],
            "alias": [str(2122 + i) for i in range(n)],
            "ra": [53.139904] * n,
            "dec": [-27.805002] * n,
            "preimage_id": preimages,
            "stellarity": [1.0] * n,
        }
    )
    primary = fits.PrimaryHDU()
    primary.header.update({"FILENAME": path.name, "PROGRAM": program, "INSTRUME": "NIRSPEC"})
    hdul = fits.HDUList([primary, fits.ImageHDU(), fits.table_to_hdu(source)])
    hdul[2].name = "SOURCE_INFO"
    hdul.writeto(path)


def test_msa_source_preimages(store: SqlStore, tmp_path: Path) -> None:
    # jwst's test MSA file: program 95065, every source from pre-image 95065001_000.
    _msa_file(tmp_path / "jw95065002001_01_msa.fits", "95065", ["95065001_000"] * 2)
    # Another program's plan on the same pre-image: an external one; N/A is none.
    _msa_file(tmp_path / "jw01345066001_01_msa.fits", "01345", ["95065001_000", "N/A"])
    report = ingest(store, [tmp_path])
    assert report.errors == []
    rows = store.execute("SELECT source, target, kind FROM links WHERE role = 'preimage'")
    assert sorted(rows) == [
        ("preimage_95065001_000", "jw01345066001_01_msa.fits", "contributing"),
        ("preimage_95065001_000", "jw95065002001_01_msa.fits", "prerequisite"),
    ]


def test_linking_by_time_seeks_indexes(tmp_path: Path) -> None:
    """Each statement reads the queued windows and an index range of the other side: no scan."""
    from jwlink.store import open_store
    from jwlink.store.windows import _RULES, _link

    store = open_store(str(tmp_path / "plan.db"))
    try:
        folder = tmp_path / "exp"
        folder.mkdir()
        for n in range(1, 40):
            start = 59240.1 + n * 0.001
            _exposure(folder, f"jw01234001001_02101_{n:05d}_nrca1_uncal.fits", start, start + 1e-4)
        ingest(store, [folder, need_data() / "engdb" / "engdb"])
        store.execute("ANALYZE")
        for role, rules in _RULES.items():
            for rule in rules:
                sql = _link(store.collate, role, rule, "?, ?")
                plan = store.execute("EXPLAIN QUERY PLAN " + sql, ("a", "b"))
                details = [str(row[-1]) for row in plan]
                assert not [d for d in details if d.startswith("SCAN")], (role, rule, details)
                assert any("windows_start" in d or "windows_visit" in d for d in details), details
    finally:
        store.close()
