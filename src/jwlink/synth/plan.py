"""What one synthetic observation is made of: exposures and associations (pure).

A mode builder (`jwlink.synth.modes`) describes an observation as a
`ObservationPlan`: its exposures (target acquisitions, science, background,
imprint and PSF exposures, TSO segments), one Level 2 association per
exposure and its Level 3 associations. `jwlink.synth.products` turns a plan
into the files the pipeline and the archive would hold.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = [
    "Exposure",
    "Level2",
    "Level3",
    "ObsContext",
    "ObservationPlan",
    "Optics",
    "Program",
    "Target",
    "Visit",
    "base36",
]

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
# Seconds per day, for MJD arithmetic.
DAY = 86400.0


def base36(value: int) -> str:
    """Return a 2-character base-36 activity id (``1`` -> ``01``, ``10`` -> ``0a``)."""
    return _DIGITS[value // 36] + _DIGITS[value % 36]


@dataclass(frozen=True, slots=True)
class Optics:
    """Optical configuration of an exposure, as the header keywords spell it."""

    filter: str | None = None
    pupil: str | None = None
    grating: str | None = None
    fxd_slit: str | None = None
    subarray: str = "FULL"
    band: str | None = None
    channel: str | None = None
    coronmsk: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """A target of a program: ``TARGETID`` number, names and position."""

    number: int
    propname: str
    name: str
    ra: float
    dec: float


@dataclass(slots=True)
class Exposure:
    """One exposure file set on one detector (one ``_uncal`` file).

    ``role`` is the member exptype the association generator gives it
    (``science``, ``background``, ``imprint``, ``psf``,
    ``target_acquisition``). The stage-2 products besides ``_cal`` follow
    from ``exp_type`` (`jwlink.core.pipeline_modes.LEVEL2`).
    """

    program: str
    observation: int
    visit: int
    group: int
    act: int
    number: int
    detector: str
    exp_type: str
    role: str
    optics: Optics
    start: float
    seconds: float
    seq: int = 1
    ints: bool = False
    segment: int | None = None
    segtot: int | None = None
    tile: int = 1
    dither: int = 1
    ndither: int = 1
    nints: int = 1
    ngroups: int = 5
    msa: str | None = None
    wfss: tuple[str, str, str] | None = None
    candidate: str = ""
    stem: str = field(init=False)

    def __post_init__(self) -> None:
        seg = f"-seg{self.segment:03d}" if self.segment is not None else ""
        self.stem = (
            f"jw{self.program}{self.observation:03d}{self.visit:03d}"
            f"_{self.group:02d}{self.seq}{base36(self.act)}_{self.number:05d}{seg}_{self.detector}"
        )

    @property
    def visit_id(self) -> str:
        """``jw<ppppp><ooo><vvv>``."""
        return f"jw{self.program}{self.observation:03d}{self.visit:03d}"

    @property
    def obs_id(self) -> str:
        """The exposure observation: the stem without its segment (as `jwlink.naming`)."""
        if self.segment is None:
            return self.stem
        return self.stem.replace(f"-seg{self.segment:03d}", "")

    @property
    def end(self) -> float:
        """MJD at the end of the exposure."""
        return self.start + self.seconds / DAY

    @property
    def rate(self) -> str:
        """Suffix of the stage-1 product: ``rate`` or ``rateints``."""
        return "rateints" if self.ints else "rate"

    @property
    def cal(self) -> str:
        """Suffix of the stage-2 product: ``cal`` or ``calints``."""
        return "calints" if self.ints else "cal"

    def name(self, suffix: str, extension: str = "fits") -> str:
        """Return this exposure's file name with a suffix."""
        return f"{self.stem}_{suffix}.{extension}"


@dataclass(slots=True)
class Level2:
    """One Level 2 association: one science exposure and its helpers.

    ``members`` are ``(expname, exptype, with_error_field)`` after the science
    member; WFSS catalogs carry no ``exposerr`` field.
    """

    exposure: Exposure
    asn_type: str
    rule: str
    members: list[tuple[str, str, bool]] = field(default_factory=list)


@dataclass(slots=True)
class Level3:
    """One Level 3 association with one product.

    ``product`` is the name as the association writes it (placeholders
    included); ``sources`` maps each per-source id to its slit (or None)
    for ``{source_id}`` products; ``members`` are ``(expname, exptype)``.
    """

    asn_type: str
    rule: str
    product: str
    members: list[tuple[str, str]]
    sources: dict[str, str | None] = field(default_factory=dict)
    candidate: str = ""


@dataclass(slots=True)
class ObservationPlan:
    """Everything one observation holds before it becomes files."""

    mode: str
    program: str
    number: int
    target: Target
    exposures: list[Exposure]
    level2: list[Level2]
    level3: list[Level3]
    msa: dict[str, list[tuple[str, float, float]]] = field(default_factory=dict)

    @property
    def acid(self) -> str:
        """The observation candidate id, ``o<nnn>``."""
        return f"o{self.number:03d}"


@dataclass(slots=True)
class ObsContext:
    """What a mode builder needs to lay out one observation.

    ``clock`` is the running MJD; builders advance it as exposures are taken.
    """

    program: str
    number: int
    size: int
    target: Target
    rng: random.Random
    clock: float

    @property
    def acid(self) -> str:
        """The observation candidate id, ``o<nnn>``."""
        return f"o{self.number:03d}"

    @property
    def candidate(self) -> str:
        """The pool ``ASN_CANDIDATE`` value of an observation-candidate exposure."""
        return f"[('{self.acid}', 'OBSERVATION')]"

    def take(self, seconds: float, gap: float = 60.0) -> float:
        """Return the start of an exposure of this length and advance the clock."""
        start = self.clock
        self.clock += (seconds + gap) / DAY
        return round(start, 8)


@dataclass(frozen=True, slots=True)
class Program:
    """A synthetic JWST program and how the archive serves it.

    ``rights`` is ``PUBLIC`` or ``EXCLUSIVE_ACCESS``; ``release`` the ISO
    date its data become public; ``stamp`` the DMS processing time stamp
    used for its pool and association names.
    """

    id: str
    title: str
    pi: str
    category: str
    rights: str
    release: str
    stamp: str
    start: float

    @property
    def pool(self) -> str:
        """The program's association pool file name."""
        return f"jw{self.id}_{self.stamp}_pool.csv"

    @property
    def table(self) -> str:
        """The program's MAST product-list table file name."""
        return f"mast_products_jw{self.id}.ecsv"


@dataclass(frozen=True, slots=True)
class Visit:
    """A visit's guide-star acquisition: star, and when guiding ran (MJD)."""

    visit_id: str
    star: str
    ra: float
    dec: float
    start: float
    end: float
