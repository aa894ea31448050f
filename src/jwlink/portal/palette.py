"""The portal's colours as data, and the WCAG contrast check that keeps them readable.

`UI` is mirrored, value for value, by the custom properties in
``static/portal.css`` (a test compares the two); `KIND_COLOURS` and
`LEVEL_FILLS` reach the graph through the page data, so the picture, its
legend and the downloadable SVG share one source.
"""

from __future__ import annotations

__all__ = [
    "KIND_COLOURS",
    "LEVEL_FILLS",
    "TEXT_PAIRS",
    "UI",
    "contrast_ratio",
    "relative_luminance",
]

# WCAG 2.x success criterion 1.4.3: normal text needs 4.5:1 against its background.
AA_TEXT = 4.5

UI: dict[str, str] = {
    "--bg": "#ffffff",
    "--fg": "#1d232b",
    "--muted": "#4f5b66",
    "--link": "#0b57a4",
    "--head-bg": "#13294b",
    "--head-fg": "#ffffff",
    "--stripe": "#f2f5f8",
    "--button-bg": "#0b57a4",
    "--button-fg": "#ffffff",
    "--focus": "#c2410c",
    "--locked-bg": "#fdecd8",
    "--locked-fg": "#7a2e00",
    "--missing-bg": "#fbe3e3",
    "--missing-fg": "#8a1c1c",
    "--present-bg": "#e3f3e4",
    "--present-fg": "#1b5e20",
    "--mrp-bg": "#e0eefb",
    "--mrp-fg": "#0b4f8a",
    "--error-bg": "#fbe3e3",
    "--error-fg": "#8a1c1c",
}

# (foreground, background) pairs that carry text somewhere in the portal.
TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("--fg", "--bg"),
    ("--muted", "--bg"),
    ("--link", "--bg"),
    ("--fg", "--stripe"),
    ("--link", "--stripe"),
    ("--muted", "--stripe"),
    ("--head-fg", "--head-bg"),
    ("--button-fg", "--button-bg"),
    ("--locked-fg", "--locked-bg"),
    ("--missing-fg", "--missing-bg"),
    ("--present-fg", "--present-bg"),
    ("--mrp-fg", "--mrp-bg"),
    ("--error-fg", "--error-bg"),
)

# Edge colours, one per relationship kind; each is also legend text on --bg.
KIND_COLOURS: dict[str, str] = {
    "prerequisite": "#8a4b00",
    "antecedent": "#1f5fa8",
    "composition": "#1b7a3a",
    "multiplicity": "#7b3fa0",
    "calibration": "#b0301c",
    "aggregation": "#5c6670",
    "linked": "#00777a",
    "contributing": "#a1367a",
}

# Node fills per graph column; node labels are --fg on these.
LEVEL_FILLS: dict[str, str] = {
    "anc": "#eef0f3",
    "1b": "#fff1dc",
    "2a": "#fdf6d3",
    "2b": "#e6f4e7",
    "2c": "#e3f1f4",
    "3": "#e8e6f8",
    "group": "#ffffff",
}


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """Return the WCAG relative luminance of a ``#rrggbb`` colour (0 black … 1 white)."""
    text = colour.lstrip("#")
    if len(text) != 6:
        msg = f"'{colour}' is not a #rrggbb colour"
        raise ValueError(msg)
    r, g, b = (_channel(int(text[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """Return the WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)
