"""Lineage as W3C PROV-JSON (entities, activities, used, wasGeneratedBy, wasDerivedFrom).

Products are entities. Every product made from inputs has one activity, the
pipeline stage that made it (``calwebb_detector1`` for ``_rate``, the Level 2
or Level 3 pipeline of its association otherwise); the activity ``used``
each input with the link's kind and role as ``prov:role``. Derivations
(antecedent, composition, multiplicity) are also ``wasDerivedFrom``; linked
and aggregated products are ``wasInfluencedBy``. See ``reference/standards.md``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jwlink.query.lineage import Lineage

__all__ = ["NAMESPACES", "to_prov_json"]

NAMESPACES = {
    "jw": "mast:JWST/product/",
    "jwobs": "mast:JWST/observation/",
    "jwlink": "https://github.com/jwlink/jwlink/ns#",
}
_DERIVATION = {"antecedent", "composition", "multiplicity"}
_INFLUENCE = {"linked", "aggregation"}
_STAGE_BY_SUFFIX = {
    "rate": "calwebb_detector1",
    "rateints": "calwebb_detector1",
    "cal": "calwebb_stage2",
    "calints": "calwebb_stage2",
}


def _entity(name: str) -> str:
    # Braces of placeholder names are not allowed in a qualified name.
    return "jw:" + quote(name, safe="._-")


def _stage(node: dict[str, Any]) -> str:
    suffix = node.get("suffix") or ""
    if suffix in _STAGE_BY_SUFFIX:
        return _STAGE_BY_SUFFIX[suffix]
    level = str(node.get("calib_level") or "")
    return "calwebb_stage3" if level == "3" else "calwebb_stage2"


def to_prov_json(lineage: Lineage) -> dict[str, Any]:
    """Convert a lineage to a PROV-JSON document.

    Parameters
    ----------
    lineage : Lineage
        Nodes and edges from `jwlink.query.questions.lineage`.

    Returns
    -------
    dict
        A PROV-JSON document (``prefix``, ``entity``, ``activity``, ``used``,
        ``wasGeneratedBy``, ``wasDerivedFrom``, ``wasInfluencedBy``) that the
        ``prov`` library reads.
    """
    doc: dict[str, Any] = {"prefix": dict(NAMESPACES)}
    entities, activities = {}, {}
    used, generated, derived, influenced = {}, {}, {}, {}
    nodes = {n["name"]: n for n in lineage.nodes}
    for node in lineage.nodes:
        entities[_entity(node["name"])] = {
            "prov:label": node["name"],
            "jwlink:calib_level": node["calib_level"] if node["calib_level"] is not None else -1,
            "jwlink:product_type": node["product_type"],
            "jwlink:present": node["present"],
            **({"jwlink:obs_id": node["obs_id"]} if node["obs_id"] else {}),
        }
    for i, edge in enumerate(lineage.edges):
        source, target = _entity(edge["source"]), _entity(edge["target"])
        role = f"{edge['kind']}:{edge['role']}"
        if edge["kind"] in _INFLUENCE:
            influenced[f"_:i{i}"] = {"prov:influencee": target, "prov:influencer": source,
                                     "jwlink:role": role}  # fmt: skip
            continue
        activity = "jwlink:make-" + quote(edge["target"], safe="._-")
        if activity not in activities:
            activities[activity] = {"prov:label": _stage(nodes.get(edge["target"], {}))}
            generated[f"_:g{i}"] = {"prov:entity": target, "prov:activity": activity}
        used[f"_:u{i}"] = {"prov:activity": activity, "prov:entity": source, "prov:role": role}
        if edge["kind"] in _DERIVATION:
            derived[f"_:d{i}"] = {
                "prov:generatedEntity": target,
                "prov:usedEntity": source,
                "prov:activity": activity,
            }
    for key, value in (("entity", entities), ("activity", activities), ("used", used),
                       ("wasGeneratedBy", generated), ("wasDerivedFrom", derived),
                       ("wasInfluencedBy", influenced)):  # fmt: skip
        if value:
            doc[key] = value
    return doc
