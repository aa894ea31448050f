"""What the pipeline writes, per mode: the table against the jwst code and its own test data.

Expected values come from the jwst repository (pipeline source, regression-test
output names, documentation associations) and from the jwst package's own
association loader, never from jwlink's output.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from conftest import DATA, need_data
from jwst_repo import JWST_MIRROR, doc_example, jwst_file  # noqa: F401

from jwlink.core import pipeline_modes as pm
from jwlink.core.linker import link_association
from jwlink.core.model import Batch, Kind
from jwlink.readers import read_association


def _links_to(batch: Batch, target: str, kind: Kind | None = None) -> set[str]:
    return {
        link.source
        for link in batch.links
        if link.target == target and (kind is None or link.kind is kind)
    }


def _outputs(batch: Batch) -> set[str]:
    return {name for _asn, _product, name in batch.asn_outputs}


ROWS = [*pm.LEVEL2, *pm.LEVEL3]


@pytest.mark.parametrize("mode", ROWS, ids=[m.name for m in ROWS])
def test_every_row_is_in_its_pipeline_source(mode: pm.Mode) -> None:
    """Each suffix a row writes and each member exptype it reads is spelled in its source file."""
    text = "\n".join(jwst_file(p) for p in (mode.source, *mode.steps))
    for out in mode.outputs:
        for suffix in (out.suffix, out.ints):
            if suffix is not None:
                assert re.search(rf"[\"']{re.escape(suffix)}[\"']", text), (mode.name, suffix)
    for exptype in pm.consumed(mode):
        assert re.search(rf"[\"']{exptype}[\"']", text, re.IGNORECASE), (mode.name, exptype)


def test_image3_reads_only_science_members() -> None:
    text = jwst_file("jwst/pipeline/calwebb_image3.py")
    assert '"asn_exptypes": ["science"]' in text
    image3 = pm.level3_mode("image3", "candidate_Asn_Lv3Image", "nircam", "clear-f200w", False)
    assert pm.consumed(image3) == {"science"}


def test_coron3_psfstack_is_stacked_from_psf_members_only() -> None:
    text = jwst_file("jwst/pipeline/calwebb_coron3.py")
    # The code: psf_stack = stack_refs.run(psf_models), psf_models = members_by_type["psf"].
    assert 'psf_models = members_by_type["psf"]' in text
    assert "psf_stack = self.stack_refs.run(psf_models)" in text
    coron = pm.level3_mode("coron3", "candidate_Asn_Lv3NRCCoron", "nircam", "f210m", False)
    stack = coron.output("psfstack")
    assert {f.member for f in stack.feeds} == {"psf"}


def _coron3_files() -> list[Path]:
    need_data()
    files = sorted((DATA / "expanded/asn/pool_013_coron_nircam").glob("*coron3*_asn.json"))
    files += sorted((DATA / "generated_asn/from_mega_pool").glob("*coron3*_asn.json"))
    return files


def test_coron3_real_associations_psfstack_composition_only_from_psf() -> None:
    from jwst.associations import load_asn

    files = _coron3_files()
    assert len(files) >= 20
    for path in files:
        with path.open() as fp:
            asn = load_asn(fp)  # the jwst package's own reading of the members
        product = asn["products"][0]
        psf = {m["expname"] for m in product["members"] if m["exptype"] == "psf"}
        science = {m["expname"] for m in product["members"] if m["exptype"] == "science"}
        assert psf and science, path
        batch = link_association(read_association(path))
        stack = f"{product['name']}_psfstack.fits"
        i2d = f"{product['name']}_i2d.fits"
        assert {stack, i2d} <= _outputs(batch)
        composing = _links_to(batch, stack, Kind.COMPOSITION)
        # Members themselves, or their own per-member products (crfints of a PSF member).
        assert {c for c in composing if c in psf} == psf, path
        assert not composing & science, path
        for name in composing - psf:
            assert _links_to(batch, name) & psf, (path, name)
        assert science <= _links_to(batch, i2d, Kind.COMPOSITION), path
        assert not _links_to(batch, i2d, Kind.COMPOSITION) & psf, path


def test_coron3_per_member_products_follow_the_regression_test(tmp_path: Path) -> None:
    """jwst/regtest/test_nircam_coron3.py: psfalign/psfsub/crfints per science, crfints per PSF."""
    text = jwst_file("jwst/regtest/test_nircam_coron3.py")
    assert '["psfalign", "psfsub", "crfints"]' in text and '["crfints"]' in text
    doc = {
        "asn_type": "coron3",
        "asn_rule": "candidate_Asn_Lv3NRCCoron",
        "asn_id": "c1020",
        "program": "01386",
        "products": [
            {
                "name": "jw01386-c1020_t001_nircam_f410m-maskrnd-sub320a335r",
                "members": [
                    {"expname": "jw01386002001_03108_00001_nrcalong_calints.fits",
                     "exptype": "science"},
                    {"expname": "jw01386001001_0310a_00001_nrcalong_calints.fits",
                     "exptype": "psf"},
                ],
            }
        ],
    }  # fmt: skip
    batch = _link_doc(doc, tmp_path)
    made = _outputs(batch)
    for suffix in ("psfalign", "psfsub", "crfints"):
        assert f"jw01386002001_03108_00001_nrcalong_c1020_{suffix}.fits" in made
    assert "jw01386001001_0310a_00001_nrcalong_c1020_crfints.fits" in made
    assert "jw01386001001_0310a_00001_nrcalong_c1020_psfalign.fits" not in made
    assert "jw01386001001_0310a_00001_nrcalong_c1020_psfsub.fits" not in made


def _link_doc(doc: dict, folder: Path) -> Batch:
    path = folder / f"jw{doc['program']}-{doc['asn_id']}_{doc['asn_type']}_00001_asn.json"
    path.write_text(json.dumps(doc))
    return link_association(read_association(path))


IFU_RULES = ("Asn_Lv3NRSIFU", "Asn_Lv3NRSIFUBackground", "Asn_Lv3MIRMRS", "Asn_Lv3MIRMRSBackground")


def test_ifu_spec3_writes_cubes_and_spectra_not_s2d() -> None:
    text = jwst_file("jwst/pipeline/calwebb_spec3.py")
    assert 'IFU_EXPTYPES = ["MIR_MRS", "NRS_IFU"]' in text
    regtest = jwst_file("jwst/regtest/test_nirspec_ifu_spec3.py")
    assert "_nirspec_g395h-f290lp_s3d.fits" in regtest and "_s2d" not in regtest
    need_data()
    seen = 0
    for path in sorted(DATA.rglob("*spec3*_asn.json")):
        doc = json.loads(path.read_text())
        if pm.rule_name(doc["asn_rule"]) not in IFU_RULES:
            continue
        seen += 1
        made = {n.rsplit("_", 1)[-1] for n in _outputs(link_association(read_association(path)))}
        assert {"s3d.fits", "x1d.fits"} <= made, path
        assert "s2d.fits" not in made, path
    assert seen >= 5


def test_old_ifu_association_of_the_master_background_docs() -> None:
    """The master_background docs' association: candidate_Asn_IFU, jw00626-c1003_t001_nrs."""
    text = jwst_file("docs/jwst/master_background/description.rst")
    doc = doc_example(text, "jw00626-c1003_t001_nrs")
    mode = pm.level3_mode(doc["asn_type"], doc["asn_rule"], "nrs", "", False)
    assert mode.name == "spec3-ifu"
    assert {o.suffix for o in mode.outputs if o.per_member is None} == {"s3d", "x1d"}


def test_miri_wfss_spec3_is_slitless_though_named_p750l() -> None:
    need_data()
    path = (
        DATA
        / "generated_asn/from_jw09505_pool"
        / "jw09505-o001_20250101t000000_spec3_00001_asn.json"
    )
    made = _outputs(link_association(read_association(path)))
    stem = "jw09505-o001_t001_miri_p750l"
    assert made == {f"{stem}_x1d.fits", f"{stem}_c1d.fits"}


def _pool_exp_types(pool: Path) -> dict[str, str]:
    rows = [line for line in pool.read_text().splitlines() if not line.startswith("#")]
    table = csv.DictReader(rows, delimiter="|")
    out = {}
    for row in table:
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items()}
        for acid in re.findall(r"'(o\d{3})'", row.get("asn_candidate", "")):
            out[acid] = row["exp_type"]
    return out


def test_tso3_phot_only_for_tsimage_and_miri_imaging() -> None:
    """calwebb_tso3: phot for NRC_TSIMAGE / MIR_IMAGE, x1dints + whtlt for every other type."""
    text = jwst_file("jwst/pipeline/calwebb_tso3.py")
    assert 'input_exptype == "NRC_TSIMAGE" or (input_exptype == "MIR_IMAGE"' in text
    need_data()
    exp_types = _pool_exp_types(DATA / "expanded/pools/pool_021_tso_expanded.csv")
    checked = 0
    for path in sorted((DATA / "expanded/asn/pool_021_tso").glob("*tso3*_asn.json")):
        asn = read_association(path)
        exp_type = exp_types[asn.association.asn_id or ""]
        if exp_type == "nrc_tsgrism" and "grism" not in asn.products[0].name:
            continue  # a made-up pool row: real grism time series name their grism
        made = {n.rsplit("_", 1)[-1] for n in _outputs(link_association(asn))}
        if exp_type in ("nrc_tsimage", "mir_image"):
            assert "phot.ecsv" in made and "x1dints.fits" not in made, path
        else:
            assert {"x1dints.fits", "whtlt.ecsv"} <= made and "phot.ecsv" not in made, path
        checked += 1
    assert checked >= 4


def test_ami3_saves_ami_oi_per_science_member_not_multi_or_lg() -> None:
    text = jwst_file("jwst/pipeline/calwebb_ami3.py")
    assert 'suffix="ami-oi", asn_id=asn_id' in text and "amimulti" not in text
    need_data()
    path = DATA / "generated_asn/from_mega_pool/jw10005-c1040_20250101t000000_ami3_00001_asn.json"
    asn = read_association(path)
    made = _outputs(link_association(asn))
    science = [m.expname for m in asn.products[0].members if m.exptype == "science"]
    for member in science:
        stem = member.removesuffix("_calints.fits")
        assert f"{stem}_c1040_ami-oi.fits" in made
    assert not any(n.endswith(("_amimulti-oi.fits", "_amilg.fits")) for n in made)
    assert f"{asn.products[0].name}_aminorm-oi.fits" in made


def test_mos_spec3_per_source_products_follow_the_regression_test() -> None:
    regtest = jwst_file("jwst/regtest/test_nirspec_mos_spec3.py")
    assert '["cal", "crf", "s2d", "x1d"]' in regtest
    need_data()
    path = DATA / "generated_asn/from_mega_pool/jw99009-o021_20250101t000000_spec3_00001_asn.json"
    asn = read_association(path)
    made = _outputs(link_association(asn))
    name = asn.products[0].name
    assert made == {f"{name}_{s}.fits" for s in ("cal", "crf", "s2d", "x1d")}


def test_level2_members_feed_the_cal_as_spec2_reads_them() -> None:
    text = jwst_file("jwst/pipeline/calwebb_spec2.py")
    cal = pm.level2_mode("spec2", None).output("cal")
    for feed in cal.feeds:
        assert f'members_by_type["{feed.member}"]' in text, feed


def test_readme_table_has_every_row_with_its_source() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## What the pipeline writes, per mode", 1)[1].split("\n## ", 1)[0]
    assert pm.JWST_COMMIT in section
    rows = {
        line.split("|")[1].strip(): line for line in section.splitlines() if line.startswith("| `")
    }
    assert set(rows) == {f"`{m.name}`" for m in ROWS}
    for mode in ROWS:
        line = rows[f"`{mode.name}`"]
        assert f"`{mode.source}`" in line, mode.name
        for out in mode.outputs:
            assert f"`{out.suffix}`" in line, (mode.name, out.suffix)
            marked = re.search(rf"`{re.escape(out.suffix)}`( \(\.\w+\))? \*\*MRP\*\*", line)
            assert bool(marked) == out.mrp, (mode.name, out.suffix)


def test_coron3_psfstack_lineage_in_the_catalog(db_url: str) -> None:
    """Ingested (pool + associations), psfstack is composed of PSF members only; both backends."""
    from jwlink.ingest import ingest
    from jwlink.query import questions
    from jwlink.store import open_store

    need_data()
    name = "pool_013_coron_nircam"
    store = open_store(db_url)
    try:
        report = ingest(
            store, [DATA / f"expanded/pools/{name}_expanded.csv", DATA / "expanded/asn" / name]
        )
        assert report.errors == [], report.errors
        files = sorted((DATA / "expanded/asn" / name).glob("*coron3*_asn.json"))
        for path in files:
            asn = read_association(path)
            product = asn.products[0]
            psf = {m.expname for m in product.members if m.exptype == "psf"}
            science = {m.expname for m in product.members if m.exptype == "science"}
            stack = f"{product.name}_psfstack.fits"
            graph = questions.lineage(store, stack, "up")
            composing = {
                e["source"]
                for e in graph.edges
                if e["target"] == stack and e["kind"] == "composition"
            }
            assert composing and composing <= psf, path
            assert not composing & science, path
            i2d_in = questions.lineage(store, f"{product.name}_i2d.fits", "up").edges
            assert science <= {e["source"] for e in i2d_in if e["kind"] == "composition"}, path
    finally:
        store.close()
