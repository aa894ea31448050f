"""Where the synthetic programs' targets really are on the sky.

The demo names real fields and stars; a user who searches the demo by
position (the portal, astroquery's ``query_region``) should find them where
the sky has them. Positions are ICRS (J2000) as SIMBAD and NED give them for
the object (for a survey field, the centre of its best-known deep pointing),
rounded to 0.1 s / 1"; a target not listed here keeps no made-up position.
"""

from __future__ import annotations

__all__ = ["FIELDS", "position"]

# target name -> (RA "hh mm ss.s", Dec "+dd mm ss"): what each name denotes.
FIELDS: dict[str, tuple[str, str]] = {
    "GOODS-S-DEEP": ("03 32 39.0", "-27 47 29"),  # Hubble Ultra Deep Field, in GOODS-S
    "UDS-WIDE": ("02 17 38.0", "-05 12 00"),  # UKIDSS Ultra Deep Survey field centre
    "COSMOS-CENTRAL": ("10 00 28.6", "+02 12 21"),  # COSMOS field centre
    "NGC-1365": ("03 33 36.4", "-36 08 25"),
    "NGC-628": ("01 36 41.7", "+15 47 01"),
    "M-83": ("13 37 00.9", "-29 51 57"),
    "ABELL-2744": ("00 14 19.5", "-30 23 19"),
    "EGS-FIELD": ("14 19 33.0", "+52 51 00"),  # Extended Groth Strip, CEERS pointing
    "SMACS-0723": ("07 23 19.5", "-73 27 15"),
    "TW-HYA": ("11 01 51.9", "-34 42 17"),
    "HD-163296": ("17 56 21.3", "-21 57 22"),
    "IRAS-04302": ("04 33 16.5", "+22 53 20"),  # IRAS 04302+2247
    "WASP-96": ("00 04 11.1", "-47 21 38"),
    "AB-DOR": ("05 28 44.8", "-65 26 55"),
    "MACS-0417": ("04 17 34.0", "-11 54 32"),  # MACS J0417.5-1154
    "HR-8799": ("23 07 28.7", "+21 08 03"),
    "HIP-65426": ("13 24 36.1", "-51 30 16"),
    "BETA-PIC": ("05 47 17.1", "-51 03 59"),
    "WASP-39": ("14 29 18.4", "-03 26 40"),
    "HD-189733": ("20 00 43.7", "+22 42 39"),
    "TRAPPIST-1": ("23 06 29.3", "-05 02 29"),
    # The wavefront stars of JWST commissioning: HD 84406 (segment search and
    # alignment, 2022) and the star whose 2MASS name encodes its position.
    "HD-84406": ("09 47 30.6", "+63 14 52"),
    "2MASS-J17554042+6551277": ("17 55 40.4", "+65 51 28"),
}


def _degrees(text: str, scale: float) -> float:
    sign = -1.0 if text.lstrip().startswith("-") else 1.0
    a, b, c = (abs(float(part)) for part in text.split())
    return sign * (a + b / 60 + c / 3600) * scale


def position(target: str) -> tuple[float, float] | None:
    """Return the ICRS (RA, Dec) of a named target in degrees, or None if unknown.

    Examples
    --------
    >>> position("TRAPPIST-1")
    (346.6220833, -5.0413889)
    """
    field = FIELDS.get(target)
    if field is None:
        return None
    return round(_degrees(field[0], 15.0), 7), round(_degrees(field[1], 1.0), 7)
