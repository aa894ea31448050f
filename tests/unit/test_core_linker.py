"""The linker on tiny in-memory evidence: one test per kind of link it derives.

What each pipeline writes is read from the jwst source the table of
`jwlink.core.pipeline_modes` cites (the ``jwst_source`` fixture reads the
installed package), so a product the linker expects is one the pipeline saves.
"""

from __future__ import annotations

from collections.abc import Callable

from jwlink.core import linker
from jwlink.core.model import (
    AsnEvidence,
    Batch,
    FoundFile,
    HeaderEvidence,
    Kind,
    Link,
    Member,
    PoolExposure,
)
from jwlink.store import SqlStore

# The make_asn fixture (conftest.py) builds an association as its reader returns it.
MakeAsn = Callable[..., AsnEvidence]

EXP1 = "jw01234001001_02101_00001_nrca1"
EXP2 = "jw01234001001_02101_00002_nrca1"
L3 = "jw01234-o001_t001_nircam_clear-f200w"


def _edges(batch: Batch) -> set[tuple[str, str, Kind, str]]:
    return {(link.source, link.target, link.kind, link.role) for link in batch.links}


def test_image3_members_compose_the_mosaic(
    make_asn: MakeAsn, jwst_source: Callable[[str], str]
) -> None:
    # calwebb_image3 saves outlier_detection's _crf per exposure and resample's _i2d.
    code = jwst_source("jwst/pipeline/calwebb_image3.py")
    assert 'self.outlier_detection.suffix = "crf"' in code
    assert 'self.resample.suffix = "i2d"' in code
    members = [(f"{EXP1}_cal.fits", "science"), (f"{EXP2}_cal.fits", "science")]
    batch = linker.link_association(make_asn("image3", "Asn_Lv3Image", {L3: members}))
    i2d, crf = f"{L3}_i2d.fits", f"{EXP1}_o001_crf.fits"
    edges = _edges(batch)
    assert (f"{EXP1}_cal.fits", i2d, Kind.COMPOSITION, "science") in edges
    assert (f"{EXP1}_cal.fits", crf, Kind.ANTECEDENT, "stage") in edges
    assert (crf, i2d, Kind.COMPOSITION, "science") in edges
    asn_name = batch.associations[0].name
    assert (asn_name, i2d, Kind.ANTECEDENT, "association") in edges
    # The members' observations are members of the Level 3 observation.
    assert Member(L3, EXP1, "science", f"asn:{asn_name}") in batch.members
    # Each member's own stage chain comes from its name: _uncal -> _rate -> _cal.
    assert (f"{EXP1}_rate.fits", f"{EXP1}_cal.fits", Kind.ANTECEDENT, "stage") in edges
    assert (f"{EXP1}_uncal.fits", f"{EXP1}_rate.fits", Kind.ANTECEDENT, "stage") in edges


def test_a_member_the_pipeline_does_not_read_is_a_contemporaneous_calibration(
    make_asn: MakeAsn, jwst_source: Callable[[str], str]
) -> None:
    # image3 reads only science members (ModelLibrary(..., asn_exptypes=["science"])).
    assert 'asn_exptypes=["science"]' in jwst_source("jwst/pipeline/calwebb_image3.py")
    members = [(f"{EXP1}_cal.fits", "science"), (f"{EXP2}_cal.fits", "background")]
    edges = _edges(linker.link_association(make_asn("image3", "Asn_Lv3Image", {L3: members})))
    assert (f"{EXP2}_cal.fits", f"{L3}_i2d.fits", Kind.CALIBRATION, "background") in edges
    assert not any(s == f"{EXP2}_cal.fits" and k is Kind.COMPOSITION for s, _, k, _ in edges)


def test_level2_background_member_calibrates_the_cal(
    make_asn: MakeAsn, jwst_source: Callable[[str], str]
) -> None:
    # calwebb_spec2 sorts members by exptype and subtracts the background ones.
    code = jwst_source("jwst/pipeline/calwebb_spec2.py")
    assert 'members_by_type[member["exptype"].lower()]' in code and '"background"' in code
    sci, bkg = "jw01234001001_02101_00001_nrs1", "jw01234001001_02101_00002_nrs1"
    members = [(f"{sci}_rate.fits", "science"), (f"{bkg}_rate.fits", "background")]
    batch = linker.link_association(make_asn("spec2", "Asn_Lv2Spec", {sci: members}))
    edges = _edges(batch)
    assert (f"{sci}_rate.fits", f"{sci}_cal.fits", Kind.ANTECEDENT, "stage") in edges
    assert (f"{bkg}_rate.fits", f"{sci}_cal.fits", Kind.CALIBRATION, "background") in edges


def test_coronagraphy_psf_members_compose_the_psf_stack(
    make_asn: MakeAsn, jwst_source: Callable[[str], str]
) -> None:
    code = jwst_source("jwst/pipeline/calwebb_coron3.py")
    for suffix in ("psfstack", "psfalign", "psfsub"):
        assert f'suffix="{suffix}"' in code
    sci, psf = "jw01234001001_02101_00001_nrcalong", "jw01234002001_02101_00001_nrcalong"
    product = "jw01234-o001_t001_nircam_f335m-maskrnd"
    members = [(f"{sci}_calints.fits", "science"), (f"{psf}_calints.fits", "psf")]
    edges = _edges(
        linker.link_association(make_asn("coron3", "Asn_Lv3NRCCoron", {product: members}))
    )
    stack, i2d = f"{product}_psfstack.fits", f"{product}_i2d.fits"
    assert (f"{psf}_calints.fits", stack, Kind.COMPOSITION, "psf") in edges
    assert (f"{psf}_calints.fits", i2d, Kind.CALIBRATION, "psf") in edges
    assert (stack, f"{sci}_o001_psfalign.fits", Kind.CALIBRATION, "psf") in edges
    assert (f"{sci}_o001_psfsub.fits", i2d, Kind.COMPOSITION, "science") in edges
    # The PSF exposure is not a science input of the mosaic.
    assert (f"{psf}_calints.fits", i2d, Kind.COMPOSITION, "science") not in edges


def test_per_source_files_are_the_multiplicity_of_their_placeholder(
    make_asn: MakeAsn, jwst_source: Callable[[str], str]
) -> None:
    # calwebb_spec3 writes one s2d and x1d per source of a MOS product.
    code = jwst_source("jwst/pipeline/calwebb_spec3.py")
    assert 'self.resample_spec.suffix = "s2d"' in code
    assert 'self.extract_1d.suffix = "x1d"' in code
    template = "jw01234-o001_{source_id}_nirspec_f170lp-g235m"
    members = [("jw01234001001_02101_00001_nrs1_cal.fits", "science")]
    batch = linker.link_association(make_asn("spec3", "Asn_Lv3SpectralSource", {template: members}))
    assert f"{template}_x1d.fits" in {p.name for p in batch.products}
    one = "jw01234-o001_s000000042_nirspec_f170lp-g235m_x1d.fits"
    found = linker.link_file(FoundFile(one, f"/tiny/{one}", 10, "0" * 64))
    assert Link(f"{template}_x1d.fits", one, Kind.MULTIPLICITY, "source", "name:per-source") in (
        found.links
    )
    # The file belongs to the placeholder's observation.
    assert found.products[-1].obs_id == "jw01234-o001_{source_id}_nirspec_f170lp-g235m"


def test_header_names_references_inputs_and_background() -> None:
    name = f"{L3}_i2d.fits"
    header = HeaderEvidence(
        path=f"/tiny/{name}",
        filename=name,
        keywords={"MASTERBG": "jw01234-o001_t002_nircam_clear-f200w_i2d.fits", "CAL_VER": "1.0"},
        reference_files={"R_DARK": "crds://jwst_nircam_dark_0001.fits"},
        hdrtab_members=(f"{EXP1}_cal.fits",),
    )
    edges = _edges(linker.link_header(header))
    assert (f"{EXP1}_cal.fits", name, Kind.COMPOSITION, "science") in edges
    assert ("jwst_nircam_dark_0001.fits", name, Kind.CONTRIBUTING, "reference:dark") in edges
    background = "jw01234-o001_t002_nircam_clear-f200w_i2d.fits"
    assert (background, name, Kind.CALIBRATION, "background") in edges


def test_pool_target_acquisition_is_a_prerequisite() -> None:
    columns = {"program": "01234", "obs_num": "001", "exp_type": "NRC_IMAGE"}
    rows = [
        PoolExposure("p.csv", 2, f"{EXP1}_uncal.fits", {**columns, "exp_type": "NRC_TACQ"}),
        PoolExposure("p.csv", 3, f"{EXP2}_uncal.fits", columns),
    ]
    edges = _edges(linker.link_pool(rows))
    assert edges == {
        (f"{EXP1}_uncal.fits", f"{EXP2}_uncal.fits", Kind.PREREQUISITE, "target_acquisition")
    }


def test_a_preview_is_linked_to_the_product_it_shows() -> None:
    preview = f"{L3}_i2d_thumb.jpg"
    edges = _edges(linker.link_file(FoundFile(preview, f"/tiny/{preview}", 1, "0" * 64)))
    assert edges == {(preview, f"{L3}_i2d.fits", Kind.LINKED, "thumbnail")}


def test_guide_star_products_aggregate_with_their_visit(tiny_store: SqlStore) -> None:
    # Guide-star files name a visit, never an exposure: the store links them
    # to the visit's calibrated science exposures once both are known.
    guide = "jw01234001001_gs-fg_2023001000000_cal.fits"
    batch = Batch("tiny")
    for name in (guide, f"{EXP1}_cal.fits", f"{EXP1}_rate.fits"):
        batch.extend(linker.link_file(FoundFile(name, f"/tiny/{name}", 1, "0" * 64)))
    tiny_store.write(batch)
    tiny_store.link_guide_stars(["jw01234001001"])
    rows = tiny_store.execute(
        "SELECT source, target, kind, role FROM links WHERE role = ?", ["guide_star"]
    )
    # Only the Level 2b science product (_cal), not the _rate.
    assert rows == [(guide, f"{EXP1}_cal.fits", "aggregation", "guide_star")]
