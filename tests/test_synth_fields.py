"""The synthetic programs' targets sit where their names are on the sky."""

from __future__ import annotations

import pytest
from astropy.coordinates import SkyCoord

from jwlink.synth.fields import FIELDS, position
from jwlink.synth.modes import FAMILIES
from jwlink.synth.schedule import schedule


def test_every_target_of_every_family_has_a_real_position():
    named = {target for family in FAMILIES for target in family.targets}
    assert named <= set(FIELDS), f"targets without a position: {sorted(named - set(FIELDS))}"


@pytest.mark.parametrize("target", sorted(FIELDS))
def test_position_reads_the_sexagesimal_as_astropy_does(target):
    ra, dec = FIELDS[target]
    ours = SkyCoord(*position(target), unit="deg")
    theirs = SkyCoord(ra, dec, unit=("hourangle", "deg"))
    assert ours.separation(theirs).arcsec < 0.5


def test_2mass_star_lies_where_its_designation_says():
    # A 2MASS designation is its J2000 position (hhmmss.ss+ddmmss.s), an
    # independent statement of where the star is.
    ours = SkyCoord(*position("2MASS-J17554042+6551277"), unit="deg")
    assert ours.separation(SkyCoord("17h55m40.42s +65d51m27.7s")).arcsec < 2


def test_scheduled_observations_point_at_their_target():
    for scheduled in schedule(1, 3000):
        for target in scheduled.targets:
            expected = SkyCoord(*position(target.propname), unit="deg")
            assert SkyCoord(target.ra, target.dec, unit="deg").separation(expected).arcsec < 1
