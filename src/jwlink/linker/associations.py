"""Association files -> the products they define and their members' links."""

from __future__ import annotations

import re

from jwlink import expected
from jwlink.errors import InvalidName
from jwlink.linker.headers import pool_file_name
from jwlink.linker.products import add_named, add_product, product_for, program_of
from jwlink.model import AsnEvidence, AsnProduct, Batch, Kind, Link, Member, Observation
from jwlink.naming import Form, describe, parse

__all__ = ["link_association"]

_FILE_ENDING = re.compile(r"\.(fits|ecsv|asdf|json)$")


def link_association(asn: AsnEvidence) -> Batch:
    """Derive rows from one association file.

    Parameters
    ----------
    asn : AsnEvidence
        A validated association.

    Returns
    -------
    Batch
        The association, its file as an INFO product, every member and
        expected product, the observations they belong to, and their links.
    """
    info = asn.association
    batch = Batch(source=asn.path, associations=[info])
    add_product(batch, product_for(info.name))
    pool = pool_file_name(info.pool)
    if pool is not None:
        add_product(batch, product_for(pool))
        batch.links.append(Link(pool, info.name, Kind.AGGREGATION, "pool", f"asn:{info.name}"))
    for entry in asn.products:
        if _is_level3(info.asn_type, entry):
            _link_level3(batch, asn, entry)
        else:
            _link_level2(batch, asn, entry)
    return batch


def _is_level3(asn_type: str | None, entry: AsnProduct) -> bool:
    # Legacy files say "image"/"mosaic" for what are Level 3 rules today;
    # hand-made ones ("user_built", None) are judged by the product name.
    if asn_type and (asn_type.endswith("3") or asn_type in ("image", "mosaic")):
        return True
    if asn_type and asn_type.endswith("2"):
        return False
    if _name_form(entry.name) is Form.STAGE3:
        return True
    return any(m.expname.rsplit(".", 1)[0].endswith(("_cal", "_calints")) for m in entry.members)


def _name_form(name: str) -> Form | None:
    try:
        return parse(name).form
    except InvalidName:
        return None


def _link_level2(batch: Batch, asn: AsnEvidence, entry: AsnProduct) -> None:
    evidence = f"asn:{asn.association.name}"
    science = [m for m in entry.members if m.exptype == "science"]
    science_suffix = describe(science[0].expname).suffix if science else None
    suffix = expected.l2_output_suffix(asn.association.asn_type, science_suffix)
    output = _with_suffix(entry.name, suffix, "fits")
    obs_id = describe(output).obs_id or entry.name
    add_named(batch, output)
    # Outside the JWST grammar the name says nothing; the association does.
    batch.products.append(product_for(output, obs_id=obs_id))
    batch.observations.append(Observation(obs_id=obs_id, calib_level=2))
    if obs_id != entry.name:
        batch.aliases[entry.name] = obs_id
    batch.links.append(Link(asn.association.name, output, Kind.ANTECEDENT, "association", evidence))
    batch.asn_outputs.append((asn.association.name, entry.name, output))
    for member in entry.members:
        batch.asn_members.append((asn.association.name, entry.name, member.expname, member.exptype))
        add_named(batch, member.expname)
        kind, role = expected.member_role(member.exptype, level3=False)
        batch.links.append(Link(member.expname, output, Kind(kind), role, evidence))


def _with_suffix(stem: str, suffix: str, extension: str) -> str:
    if _FILE_ENDING.search(stem):
        # Legacy associations name the output file itself (..._mosaic.fits).
        return stem
    if "{suffix}" in stem:
        return f"{stem.replace('{suffix}', suffix)}.{extension}"
    try:
        return str(parse(stem).with_suffix(suffix, extension))
    except (InvalidName, ValueError):
        return f"{stem}_{suffix}.{extension}"


def _link_level3(batch: Batch, asn: AsnEvidence, entry: AsnProduct) -> None:
    info = asn.association
    evidence = f"asn:{info.name}"
    try:
        fn = parse(entry.name)
        obs_id = fn.obs_id or entry.name
        instrument, optelems = fn.instrument or "", fn.optelems or ""
    except InvalidName:
        obs_id, instrument, optelems = _FILE_ENDING.sub("", entry.name), "", ""
    per_source = "{source_id}" in entry.name
    outputs = expected.l3_outputs(info.asn_type, instrument, optelems, per_source)
    batch.observations.append(
        Observation(
            obs_id=obs_id,
            calib_level=3,
            program=program_of(info.program),
            instrument_name=instrument.upper() or None,
            filters=optelems.upper().replace("-", ";") or None,
            target_name=info.target,
            is_association=True,
        )
    )
    if obs_id != entry.name:
        batch.aliases[entry.name] = obs_id
    combined = list(dict.fromkeys(_with_suffix(entry.name, s, e) for s, e in outputs.combined))
    for name in combined:
        batch.asn_outputs.append((info.name, entry.name, name))
        add_product(batch, product_for(name, obs_id=obs_id))
        batch.links.append(Link(info.name, name, Kind.ANTECEDENT, "association", evidence))
    for source_suffix, suffix, ext in outputs.derived:
        source = _with_suffix(entry.name, source_suffix, "fits")
        target = _with_suffix(entry.name, suffix, ext)
        if target in combined:
            continue
        batch.asn_outputs.append((info.name, entry.name, target))
        add_product(batch, product_for(target, obs_id=obs_id))
        batch.links.append(Link(source, target, Kind.ANTECEDENT, "stage", evidence))
        batch.links.append(Link(info.name, target, Kind.ANTECEDENT, "association", evidence))
    for member in entry.members:
        batch.asn_members.append((info.name, entry.name, member.expname, member.exptype))
        per_member = _link_member(
            batch, asn, member.expname, member.exptype, combined, outputs, obs_id
        )
        batch.asn_outputs += [(info.name, entry.name, name) for name in per_member]


def _link_member(
    batch: Batch,
    asn: AsnEvidence,
    expname: str,
    exptype: str,
    combined: list[str],
    outputs: expected.Outputs,
    obs_id: str,
) -> list[str]:
    """Link one Level 3 member; return the per-member products it makes."""
    evidence = f"asn:{asn.association.name}"
    add_named(batch, expname)
    kind, role = expected.member_role(exptype, level3=True)
    for target in combined:
        batch.links.append(Link(expname, target, Kind(kind), role, evidence))
    member_obs = describe(expname).obs_id
    if member_obs is not None:
        batch.members.append(Member(obs_id, member_obs, exptype, evidence))
    made: list[str] = []
    if exptype != "science" or asn.association.asn_id is None:
        return made
    for suffix in outputs.per_member:
        per_member = _per_member_name(expname, asn.association.asn_id, suffix)
        if per_member is None:
            continue
        made.append(per_member)
        add_product(batch, product_for(per_member))
        batch.links.append(Link(expname, per_member, Kind.ANTECEDENT, "stage", evidence))
        batch.links.append(
            Link(asn.association.name, per_member, Kind.ANTECEDENT, "association", evidence)
        )
        for target in combined:
            batch.links.append(Link(per_member, target, Kind.COMPOSITION, "science", evidence))
    return made


def _per_member_name(expname: str, acid: str, suffix: str) -> str | None:
    try:
        fn = parse(expname)
    except InvalidName:
        return None
    if fn.form is not Form.EXPOSURE:
        return None
    return str(fn.with_acid(acid).with_suffix(suffix, "fits"))
