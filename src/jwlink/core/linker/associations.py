"""Association files -> the products they define and their members' links.

Every name the association holds is parsed once (`_Names`); the names of the
products it makes are derived from the parsed product and member names.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from jwlink.core import expected, pipeline_modes
from jwlink.core.linker.headers import pool_file_name
from jwlink.core.linker.products import add_info, add_product, product_of, program_of
from jwlink.core.model import AsnEvidence, AsnProduct, Batch, Kind, Link, Member, Observation
from jwlink.errors import InvalidName
from jwlink.naming import Form, NameInfo, describe, info_of

__all__ = ["MEMBERS_PER_PART", "link_association", "link_association_parts"]

_FILE_ENDING = re.compile(r"\.(fits|ecsv|asdf|json)$")


class _Names(dict[str, NameInfo]):
    """The names of one association, each parsed on first use."""

    def __missing__(self, name: str) -> NameInfo:
        info = self[name] = describe(name)
        return info


def link_association(asn: AsnEvidence, own_name: NameInfo | None = None) -> Batch:
    """Derive rows from one association file.

    Parameters
    ----------
    asn : AsnEvidence
        A validated association.
    own_name : NameInfo, optional
        The association file's name, already parsed (by the ingest pipeline).

    Returns
    -------
    Batch
        The association, its file as an INFO product, every member and
        expected product, the observations they belong to, and their links:
        the union of `link_association_parts`.
    """
    batch = Batch(source=asn.path)
    for part in link_association_parts(asn, own_name):
        batch.extend(part)
    return batch


# Members per part: a mosaic of 200,000 members is linked (and written) a
# part at a time, so its rows never all live in memory at once.
MEMBERS_PER_PART = 5000


def link_association_parts(
    asn: AsnEvidence, own_name: NameInfo | None = None, members: int = MEMBERS_PER_PART
) -> Iterator[Batch]:
    """Derive the rows of one association file in parts of about ``members`` members.

    Every rule that links a Level 3 product is per member (a member feeds
    the products made of it and from it) or per product (the products made
    once, from what the members make), so linking a product's members a
    slice at a time gives the rows of linking them all at once: each slice
    repeats the product's own rows (observation, outputs), which merge.
    Whether a product is Level 3 is decided on all its members first.
    """
    info = asn.association
    head = Batch(source=asn.path, associations=[info])
    names = _Names()
    if own_name is not None:
        names[own_name.name] = own_name
    own = names[info.name]
    add_product(head, product_of(own), own.form)
    pool = pool_file_name(info.pool)
    if pool is not None:
        add_product(head, product_of(names[pool]), names[pool].form)
        head.links.append(Link(pool, info.name, Kind.AGGREGATION, "pool", f"asn:{info.name}"))
    batch, size = head, 0
    for entry in asn.products:
        level3 = _is_level3(info.asn_type, entry, names[entry.name])
        step = members if level3 else max(len(entry.members), 1)
        for start in range(0, max(len(entry.members), 1), step):
            if size >= members:
                yield batch
                # Names parsed for the members written are not needed again.
                batch, size, names = Batch(source=asn.path), 0, _Names({own.name: own})
            if level3:
                part = dataclasses.replace(entry, members=entry.members[start : start + step])
                _link_level3(batch, asn, part, names)
            else:
                _link_level2(batch, asn, entry, names)
            size += min(step, len(entry.members))
    yield batch


def _is_level3(asn_type: str | None, entry: AsnProduct, product: NameInfo) -> bool:
    # Legacy files say "image"/"mosaic" for what are Level 3 rules today;
    # hand-made ones ("user_built", None) are judged by the product name.
    if asn_type and (asn_type.endswith("3") or asn_type in ("image", "mosaic")):
        return True
    if asn_type and asn_type.endswith("2"):
        return False
    if product.form is Form.STAGE3:
        return True
    return any(m.expname.rsplit(".", 1)[0].endswith(("_cal", "_calints")) for m in entry.members)


def _link_level2(batch: Batch, asn: AsnEvidence, entry: AsnProduct, names: _Names) -> None:
    evidence = f"asn:{asn.association.name}"
    science = [m for m in entry.members if m.exptype == "science"]
    science_suffix = names[science[0].expname].suffix if science else None
    suffix = expected.l2_output_suffix(asn.association.asn_type, science_suffix)
    made = _with_suffix(names[entry.name], suffix, "fits", names)
    output, obs_id = made.name, made.obs_id or entry.name
    add_info(batch, made)
    # Outside the JWST grammar the name says nothing; the association does.
    batch.products.append(product_of(made, obs_id=obs_id))
    batch.observations.append(Observation(obs_id=obs_id, calib_level=2))
    if obs_id != entry.name:
        batch.aliases[entry.name] = obs_id
    batch.links.append(Link(asn.association.name, output, Kind.ANTECEDENT, "association", evidence))
    batch.asn_outputs.append((asn.association.name, entry.name, output))
    for member in entry.members:
        batch.asn_members.append((asn.association.name, entry.name, member.expname, member.exptype))
        add_info(batch, names[member.expname])
        kind, role = _level2_kind(asn.association.asn_type, member.exptype)
        batch.links.append(Link(member.expname, output, Kind(kind), role, evidence))


def _level2_kind(asn_type: str | None, exptype: str) -> tuple[str, str]:
    # Every Level 2 row feeds its _cal the same way; the exposure type that
    # would pick the row is not in the association.
    cal = pipeline_modes.level2_mode(asn_type, None).output("cal")
    for feed in cal.feeds:
        if feed.member == exptype and feed.output is None:
            return feed.kind, feed.role
    return expected.member_role(exptype, level3=False)


def _with_suffix(product: NameInfo, suffix: str, extension: str, names: _Names) -> NameInfo:
    stem = product.name
    if _FILE_ENDING.search(stem):
        # Legacy associations name the output file itself (..._mosaic.fits).
        return product
    if "{suffix}" in stem:
        return names[f"{stem.replace('{suffix}', suffix)}.{extension}"]
    if product.parsed is not None:
        try:
            return info_of(product.parsed.with_suffix(suffix, extension))
        except (InvalidName, ValueError):
            pass
    return names[f"{stem}_{suffix}.{extension}"]


def _link_level3(batch: Batch, asn: AsnEvidence, entry: AsnProduct, names: _Names) -> None:
    info = asn.association
    evidence = f"asn:{info.name}"
    fn = names[entry.name].parsed
    if fn is not None:
        obs_id = fn.obs_id or entry.name
        instrument, optelems = fn.instrument or "", fn.optelems or ""
    else:
        obs_id, instrument, optelems = _FILE_ENDING.sub("", entry.name), "", ""
    instrument = pipeline_modes.INSTRUMENT_ABBREVIATIONS.get(instrument, instrument)
    mode = pipeline_modes.level3_mode(
        info.asn_type, info.asn_rule, instrument, optelems, "{source_id}" in entry.name
    )
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
    made = _output_names(entry, info.asn_id, mode, names)
    for (_suffix, exptype, _member), output in made.items():
        batch.asn_outputs.append((info.name, entry.name, output.name))
        product = product_of(output, obs_id=None if exptype else obs_id)
        add_product(batch, product, output.form)
        batch.links.append(Link(info.name, output.name, Kind.ANTECEDENT, "association", evidence))
    for member in entry.members:
        batch.asn_members.append((info.name, entry.name, member.expname, member.exptype))
        add_info(batch, names[member.expname])
        member_obs = names[member.expname].obs_id
        if member_obs is not None:
            batch.members.append(Member(obs_id, member_obs, member.exptype, evidence))
    batch.links += _feed_links(entry, mode, made, evidence)


# Key of a product an association makes: (suffix, member exptype, member name);
# the last two are empty for products made once per association product.
_Made = dict[tuple[str, str, str], NameInfo]


def _output_names(
    entry: AsnProduct, acid: str | None, mode: pipeline_modes.Mode, names: _Names
) -> _Made:
    made: _Made = {}
    for out in mode.outputs:
        if out.per_member is None:
            made[(out.suffix, "", "")] = _with_suffix(names[entry.name], out.suffix, out.ext, names)
            continue
        for member in entry.members:
            parsed = names[member.expname].parsed
            if member.exptype != out.per_member or acid is None or parsed is None:
                continue
            output = pipeline_modes.member_output(parsed, acid, out.suffix)
            if output is not None:
                made[(out.suffix, member.exptype, member.expname)] = info_of(output)
    return made


def _feed_links(
    entry: AsnProduct, mode: pipeline_modes.Mode, made: _Made, evidence: str
) -> list[Link]:
    """Link every input to the products it feeds, as the table row says."""
    links: list[Link] = []
    for (suffix, exptype, expname), target in made.items():
        out = next(
            o for o in mode.outputs if o.suffix == suffix and (o.per_member or "") == exptype
        )
        for feed in out.feeds:
            for source in _feed_sources(entry, feed, made, (exptype, expname)):
                links.append(Link(source, target.name, Kind(feed.kind), feed.role, evidence))
    # Members the pipeline does not read keep their exptype's generic kind
    # toward the products the members it reads feed directly.
    read = pipeline_modes.consumed(mode)
    fed = [
        made[(o.suffix, "", "")].name
        for o in mode.outputs
        if o.per_member is None and any(f.member and not f.output for f in o.feeds)
    ]
    for member in entry.members:
        if member.exptype in read:
            continue
        kind, role = expected.member_role(member.exptype, level3=True)
        links += [Link(member.expname, t, Kind(kind), role, evidence) for t in fed]
    return links


def _feed_sources(
    entry: AsnProduct, feed: pipeline_modes.Feed, made: _Made, own: tuple[str, str]
) -> list[str]:
    own_type, own_name = own
    if feed.output is None:
        # The member itself: a per-member product reads only its own member.
        if own_name and feed.member == own_type:
            return [own_name]
        return [m.expname for m in entry.members if m.exptype == feed.member]
    if feed.member is None:
        source = made.get((feed.output, "", ""))
        return [source.name] if source is not None else []
    if own_name and feed.member == own_type:
        # ... and that same member's earlier product.
        source = made.get((feed.output, own_type, own_name))
        return [source.name] if source is not None else []
    return [made[k].name for k in made if k[0] == feed.output and k[1] == feed.member]
