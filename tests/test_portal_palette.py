"""The portal's colours: WCAG AA contrast, and the CSS and graph using the palette's values."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from jwlink.portal.palette import (
    KIND_COLOURS,
    LEVEL_FILLS,
    TEXT_PAIRS,
    UI,
    contrast_ratio,
    relative_luminance,
)

CSS = resources.files("jwlink.portal").joinpath("static", "portal.css").read_text("utf-8")


def test_contrast_ratio_known_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # WebAIM's checker: #767676 on white is the lightest grey that passes AA (4.54:1).
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") < 4.5
    assert relative_luminance("#ffffff") == pytest.approx(1.0)


def test_contrast_ratio_refuses_non_hex():
    with pytest.raises(ValueError, match="rrggbb"):
        relative_luminance("red")


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS, ids=[f"{f}-on-{b}" for f, b in TEXT_PAIRS])
def test_text_pairs_meet_aa(fg, bg):
    assert contrast_ratio(UI[fg], UI[bg]) >= 4.5


@pytest.mark.parametrize("kind", sorted(KIND_COLOURS))
def test_kind_colours_are_readable_on_the_page_and_in_the_graph(kind):
    colour = KIND_COLOURS[kind]
    assert contrast_ratio(colour, UI["--bg"]) >= 4.5  # legend text, link-table labels
    assert contrast_ratio(colour, UI["--stripe"]) >= 4.5  # striped table rows


@pytest.mark.parametrize("level", sorted(LEVEL_FILLS))
def test_node_labels_are_readable_on_every_fill(level):
    assert contrast_ratio(UI["--fg"], LEVEL_FILLS[level]) >= 4.5


def test_focus_ring_is_visible():
    # WCAG 1.4.11: 3:1 for non-text indicators.
    assert contrast_ratio(UI["--focus"], UI["--bg"]) >= 3.0


def test_css_declares_the_palette():
    declared = dict(re.findall(r"(--[a-z-]+):\s*(#[0-9a-fA-F]{6});", CSS))
    for name, value in UI.items():
        assert declared.get(name, "").lower() == value.lower(), name


def test_css_kind_classes_use_the_palette():
    declared = dict(re.findall(r"\.kind-([a-z]+) \{ color: (#[0-9a-f]{6}); \}", CSS))
    assert declared == KIND_COLOURS
