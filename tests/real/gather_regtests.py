# ruff: noqa: E501  (the curated statements are tables: one name a line)
"""tests/real/jwst-regtest: the file names jwst's regression tests fetch or compare."""

from __future__ import annotations

import ast
import itertools
from typing import Any

from gather_common import (
    HERE,
    JWST,
    line_has,
    provenance,
    show,
    write_toml,
)

# ----------------------------------------------------------- jwst regtests

REG = "jwst/regtest/"


def _enclosing_params(tree: ast.Module, line: int) -> list[dict[str, Any]]:
    """The parameter combinations pytest gives the test function around ``line``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.lineno <= line <= (node.end_lineno or 0):
            axes = []
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)
                        and deco.func.attr == "parametrize"):  # fmt: skip
                    names = [n.strip() for n in ast.literal_eval(deco.args[0]).split(",")]
                    values = _values(tree, deco.args[1])
                    axes.append([dict(zip(names, v if len(names) > 1 else (v,), strict=True))
                                 for v in values])  # fmt: skip
            combos = []
            for parts in itertools.product(*axes):
                merged: dict[str, Any] = {}
                for part in parts:
                    merged.update(part)
                combos.append(merged)
            return combos
    return [{}]


def _values(tree: ast.Module, node: ast.expr) -> list[Any]:
    if isinstance(node, ast.Name):  # a module-level list such as GUIDER_SUFFIXES
        for top in tree.body:
            if isinstance(top, ast.Assign) and getattr(top.targets[0], "id", "") == node.id:
                return list(ast.literal_eval(top.value))
    return list(ast.literal_eval(node))


def _expression_at(tree: ast.Module, line: int, var: str) -> ast.expr:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and node.lineno == line:
            return node.value
        if (
            isinstance(node, ast.Constant)
            and node.lineno == line
            and isinstance(node.value, str)
            and "jw" in node.value
        ):  # not a dict key
            return node
        if isinstance(node, ast.keyword) and node.arg == var and node.value.lineno == line:
            return node.value
    raise SystemExit(f"no expression at line {line}")


# (test file, line of the name or of the expression that builds it, statements).
# 'from': the input the test says the output was made from (same exposure);
# 'asn': the association the test ran the stage-3 pipeline on;
# 'base': Exp (exposure-based) or Src (source-based) as the test's pipeline writes it;
# 'role': input (fetched with get_data/get_asn) or output (compared with a truth file).
REGTESTS: list[dict[str, Any]] = [
    # NIRCam imaging: detector1 + image2 outputs of one uncal, image3 outputs of one asn.
    {"file": "test_nircam_image.py", "line": 19, "role": "input", "pipeline": "calwebb_detector1",
     "base": "Exp"},
    {"file": "test_nircam_image.py", "line": 196, "role": "output",
     "pipeline": "calwebb_detector1 + calwebb_image2 (save_results per step)",
     "from": "jw01538046001_03105_00001_nrcalong_uncal.fits", "from_line": 195, "base": "Exp"},
    {"file": "test_nircam_image.py", "line": 213, "role": "output",
     "pipeline": "calwebb_image2 --steps.assign_wcs.save_results", "suffix": "assign_wcs",
     "from": "jw01538046001_03105_00001_nrcalong_uncal.fits", "from_line": 212, "base": "Exp"},
    {"file": "test_nircam_image.py", "line": 124, "role": "input", "pipeline": "calwebb_image2",
     "base": "Exp", "suffix": "rate", "span": 4},
    {"file": "test_nircam_image.py", "line": 136, "role": "input", "pipeline": "calwebb_image3",
     "asn_type": "image3"},
    {"file": "test_nircam_image.py", "line": 247, "role": "output", "pipeline": "calwebb_image3",
     "asn": "jw01538-o046_20230331t102920_image3_00009_asn.json", "base": "Src"},
    {"file": "test_nircam_image.py", "line": 262, "role": "output", "pipeline": "calwebb_image3",
     "asn": "jw01538-o046_20230331t102920_image3_00009_asn.json", "base": "Src", "suffix": "cat"},
    {"file": "test_nircam_image.py", "line": 273, "role": "output", "pipeline": "calwebb_image3",
     "asn": "jw01538-o046_20230331t102920_image3_00009_asn.json", "base": "Src",
     "suffix": "segm"},
    # MIRI imaging: detector1 step outputs; an image3 association with a 3-digit counter.
    {"file": "test_miri_image.py", "line": 289, "role": "output",
     "pipeline": "calwebb_detector1 (save_results per step)",
     "from": "jw01024001001_04101_00001_mirimage_uncal.fits", "from_line": 288, "base": "Exp",
     "params_at": 203},
    {"file": "test_miri_image.py", "line": 326, "role": "output",
     "pipeline": "calwebb_image2 --steps.assign_wcs.save_results", "suffix": "assign_wcs",
     "from": "jw01024001001_04101_00001_mirimage_rate.fits", "from_line": 133, "base": "Exp"},
    {"file": "test_miri_image.py", "line": 166, "role": "input", "pipeline": "Image3Pipeline",
     "asn_type": "image3"},
    {"file": "test_miri_image.py", "line": 305, "role": "output", "pipeline": "Image3Pipeline",
     "asn": "jw01024-o001_20220501t155404_image3_001_asn.json", "base": "Src", "suffix": "i2d"},
    # FGS guider: four guide-star products through calwebb_guider.
    {"file": "test_fgs_guider.py", "line": 22, "role": "input", "pipeline": "calwebb_guider",
     "suffix": "uncal", "expr_var": "param", "roots": "FILE_ROOTS"},
    {"file": "test_fgs_guider.py", "line": 40, "role": "output", "pipeline": "calwebb_guider",
     "from_roots": "FILE_ROOTS", "suffixes": "GUIDER_SUFFIXES",
     "built_by": "regtestdata.py:405-411 is_like_truth: replace_suffix(input stem, suffix) + '.fits'"},
    # NIRCam coronagraphy through calwebb_coron3.
    {"file": "test_nircam_coron3.py", "line": 16, "role": "input", "pipeline": "calwebb_coron3",
     "asn_type": "coron3"},
    {"file": "test_nircam_coron3.py", "line": 41, "role": "output", "pipeline": "calwebb_coron3",
     "asn": "jw01386-c1020_20220909t073458_coron3_002a_asn.json", "base": "Exp",
     "acid": "c1020", "exptype": "science"},
    {"file": "test_nircam_coron3.py", "line": 56, "role": "output", "pipeline": "calwebb_coron3",
     "asn": "jw01386-c1020_20220909t073458_coron3_002a_asn.json", "base": "Exp",
     "acid": "c1020", "exptype": "psf"},
    {"file": "test_nircam_coron3.py", "line": 70, "role": "output", "pipeline": "calwebb_coron3",
     "asn": "jw01386-c1020_20220909t073458_coron3_002a_asn.json", "base": "Src"},
    # NIRCam WFS&C: image2 then wfs-image3.
    {"file": "test_nircam_wfs.py", "line": 21, "role": "input", "pipeline": "calwebb_image2",
     "base": "Exp", "suffix": "rate"},
    {"file": "test_nircam_wfs.py", "line": 31, "role": "input", "pipeline": "calwebb_wfs-image3",
     "asn_type": "wfs-image3"},
    {"file": "test_nircam_wfs.py", "line": 60, "role": "output", "pipeline": "calwebb_image2",
     "from": "jw02586173001_03104_00001_nrca3_rate.fits", "from_line": 21, "base": "Exp",
     "suffix": "cal"},
    {"file": "test_nircam_wfs.py", "line": 62, "role": "output", "pipeline": "calwebb_wfs-image3",
     "asn": "jw02586-o173_20240923t165435_wfs-image3_00008_asn.json", "base": "Src",
     "suffix": "wfscmb"},
    # NIRISS AMI: ami_analyze on a cal file, calwebb_ami3 exposure outputs.
    {"file": "test_niriss_ami3.py", "line": 28, "role": "input", "pipeline": "ami_analyze",
     "base": "Exp", "suffix": "cal"},
    {"file": "test_niriss_ami3.py", "line": 72, "role": "output", "pipeline": "ami_analyze",
     "from": "jw04478001001_03102_00001_nis_cal.fits", "from_line": 28, "base": "Exp"},
    {"file": "test_niriss_ami3.py", "line": 46, "role": "output", "pipeline": "calwebb_ami3",
     "base": "Exp", "acid": "a3002"},
    # NIRSpec IFU spec3: per-exposure crf and source-based s3d/x1d of one association.
    {"file": "test_nirspec_ifu_spec3.py", "line": 17, "role": "input", "pipeline": "calwebb_spec3",
     "asn_type": "spec3"},
    {"file": "test_nirspec_ifu_spec3.py", "line": 40, "role": "output", "pipeline": "calwebb_spec3",
     "asn": "jw01249-o005_20230622t074431_spec3_00001_asn.json", "base": "Exp", "suffix": "crf",
     "acid": "o005", "span": 8},
    {"file": "test_nirspec_ifu_spec3.py", "line": 48, "role": "output", "pipeline": "calwebb_spec3",
     "asn": "jw01249-o005_20230622t074431_spec3_00001_asn.json", "base": "Src", "suffix": "s3d"},
    {"file": "test_nirspec_ifu_spec3.py", "line": 49, "role": "output", "pipeline": "calwebb_spec3",
     "asn": "jw01249-o005_20230622t074431_spec3_00001_asn.json", "base": "Src", "suffix": "x1d"},
    # NIRSpec MOS spec3: per-source products (s, b and v source ids).
    {"file": "test_nirspec_mos_spec3.py", "line": 17, "role": "input", "pipeline": "calwebb_spec3",
     "asn_type": "spec3"},
    {"file": "test_nirspec_mos_spec3.py", "line": 49, "role": "output", "pipeline": "calwebb_spec3",
     "asn": "jw01345-o066_20230831t181155_spec3_00002_asn.json", "base": "Src"},
    # NIRSpec fixed slits: per-slit source products, and per-exposure per-slit medians.
    {"file": "test_nirspec_fs_spec3.py", "line": 65, "role": "output", "pipeline": "calwebb_spec3",
     "base": "Src", "program": "01309", "acid": "o022", "unless": {"suffix": "median"}},
    {"file": "test_nirspec_fs_spec3.py", "line": 60, "role": "output",
     "pipeline": "calwebb_spec3 outlier_detection save_intermediate_results", "base": "Exp",
     "only": {"suffix": "median"}},
    # NIRCam time series imaging: tso3 photometry.
    {"file": "test_nircam_tsimg.py", "line": 28, "role": "input", "pipeline": "calwebb_tso3",
     "asn_type": "tso3"},
    {"file": "test_nircam_tsimg.py", "line": 61, "role": "output", "pipeline": "calwebb_image2",
     "from": "jw01068006001_03103_00001-seg001_nrcb1_rateints.fits", "from_line": 60,
     "base": "Exp", "suffix_param": False},
    {"file": "test_nircam_tsimg.py", "line": 73, "role": "output", "pipeline": "calwebb_tso3",
     "asn": "jw01068-o006_20240401t151322_tso3_00002_asn.json", "base": "Src", "suffix": "phot"},
]  # fmt: skip


def _module_list(tree: ast.Module, name: str) -> list[Any]:
    return _values(tree, ast.Name(id=name))


def gather_regtests() -> None:
    j = JWST[0]
    rows: list[dict[str, Any]] = []
    files = []
    for spec in REGTESTS:
        spec = dict(spec)
        path = REG + spec.pop("file")
        files.append(path)
        tree = ast.parse(show(j, path))
        line = spec.pop("line")
        names: list[tuple[str, dict[str, Any]]] = []
        if "from_roots" in spec:  # rt.is_like_truth(root + "_" + suffix)
            roots = _module_list(tree, spec.pop("from_roots"))
            exp_types = _module_list(tree, "EXP_TYPES")
            for suffix in _module_list(tree, spec.pop("suffixes")):
                for root, exp_type in zip(roots, exp_types, strict=True):
                    names.append((f"{root}_{suffix}.fits", {"suffix": suffix,
                                  "from": f"{root}_uncal.fits", "exp_type": exp_type}))  # fmt: skip
        elif "roots" in spec:  # get_data("fgs/level1b/" + request.param + "_uncal.fits")
            roots = _module_list(tree, spec.pop("roots"))
            exp_types = _module_list(tree, "EXP_TYPES")
            spec.pop("expr_var")
            for root, exp_type in zip(roots, exp_types, strict=True):
                names.append((f"{root}_uncal.fits", {"exp_type": exp_type}))
        else:
            span = spec.pop("span", 1)
            params_at = spec.pop("params_at", line)
            only, unless = spec.pop("only", {}), spec.pop("unless", {})
            for offset in range(span):
                node = _expression_at(tree, line + offset, "output")
                constant = isinstance(node, ast.Constant)
                for params in [{}] if constant else _enclosing_params(tree, params_at + offset):
                    # the test's own if/else on a parameter picks which expression builds it
                    if any(params.get(k) != v for k, v in only.items()) or any(
                        params.get(k) == v for k, v in unless.items()
                    ):
                        continue
                    value = eval(compile(ast.Expression(node), path, "eval"), {}, params)  # noqa: S307
                    names.append((value.rsplit("/", 1)[-1], dict(params)))
        for name, params in names:
            row: dict[str, Any] = {"text": name, "source": path, "source_line": line}
            says = {k: v for k, v in spec.items() if k != "from_line"}
            keep = ("suffix", "from", "exp_type") if spec.get("suffix_param", True) else ("from",)
            says.update({k: v for k, v in params.items() if k in keep})
            says.pop("suffix_param", None)
            for key in ("source_id", "slit_name", "obs", "exposure"):
                if key in params:
                    says[key] = params[key]
            if "from_line" in spec:
                line_has(j, path, spec["from_line"], str(says.get("from", "")).split(".")[0][:20])
            row["says"] = says
            rows.append(row)
    head = provenance(
        JWST, sorted(set(files)),
        "Real file names the regression tests fetch (role input) or compare with truth "
        "files (role output), with what each test states: the pipeline, the suffix "
        "(parametrize lists or the step saved), the input an output was made from, the "
        "association a stage-3 output comes from, exposure- (Exp) or source-based (Src). "
        "Names built by f-strings or '+' are evaluated with the test's own parametrize "
        "values; source_line is the line that builds or holds the name.",
    )  # fmt: skip
    head["left_out"] = [
        "names made with --output_file stems chosen by the test (…_sirs_refpix, …_cfn_*, "
        "…_pixrep_*, …_genheader_*, …-first20_*, jw013090_prtest_*) and regtest-only "
        "association names (…_spec3_regtest_asn.json, ami3_test_asn.json): not DMS names",
    ]
    write_toml(HERE / "jwst-regtest" / "PROVENANCE.toml", head, {"name": rows})
