"""Value objects of the catalog: kinds, levels, products, observations, links.

Everything here is pure and immutable. Readers turn files into *evidence*
objects (`AsnEvidence`, `PoolExposure`, `HeaderEvidence`, `ListedProduct`,
`FoundFile`); the linker turns evidence into a `Batch` of catalog rows; the
store writes one batch per input file in one transaction.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field

from jwlink.core.crdsparams import CrdsHeader
from jwlink.core.values import ByValues

__all__ = [
    "AsnEvidence",
    "AsnMember",
    "AsnProduct",
    "Association",
    "Batch",
    "EngineeringSeries",
    "FoundFile",
    "HeaderEvidence",
    "Kind",
    "Level",
    "Link",
    "ListedProduct",
    "Member",
    "Observation",
    "PoolExposure",
    "Product",
    "ProductType",
    "TimeWindow",
    "WindowRole",
    "obsid_for",
]


class Kind(enum.StrEnum):
    """The eight relationship kinds of the MAST "Data Product Linkages" article.

    A link ``source -> target`` reads "source feeds, supports or belongs to target".
    """

    PREREQUISITE = "prerequisite"
    ANTECEDENT = "antecedent"
    COMPOSITION = "composition"
    MULTIPLICITY = "multiplicity"
    CALIBRATION = "calibration"
    AGGREGATION = "aggregation"
    LINKED = "linked"
    CONTRIBUTING = "contributing"


class Level(enum.StrEnum):
    """Processing level of a product (JWST pipeline stages).

    ``calib_level`` is the MAST integer: 1b -> 1, 2a/2b/2c -> 2, 3 -> 3.
    """

    L1B = "1b"
    L2A = "2a"
    L2B = "2b"
    L2C = "2c"
    L3 = "3"

    @property
    def calib_level(self) -> int:
        """The MAST ``calib_level`` integer for this level."""
        # _value_, not .value: the same text without the enum descriptor's
        # cost, on a path run for every product written.
        return int(self._value_[0])


class ProductType(enum.StrEnum):
    """MAST ``productType`` categories."""

    SCIENCE = "SCIENCE"
    CALIBRATION = "CALIBRATION"
    AUXILIARY = "AUXILIARY"
    INFO = "INFO"
    PREVIEW = "PREVIEW"
    THUMBNAIL = "THUMBNAIL"
    REFERENCE = "REFERENCE"
    ENGINEERING = "ENGINEERING"


def obsid_for(obs_id: str) -> int:
    """Return the numeric MAST-style ``obsid`` ("Product Group ID") of an observation.

    MAST keys product lists by a long integer. jwlink derives it from the
    mission ``obs_id`` so that every backend and every re-ingest gives the same
    number; 52 bits keep it exact in JavaScript and in float64 columns.

    Parameters
    ----------
    obs_id : str
        Mission observation id, e.g. ``jw01234001001_02101_00001_nrca1``.

    Returns
    -------
    int
        A positive integer below 2**52.
    """
    digest = hashlib.blake2b(obs_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 12 or 1


@dataclass(frozen=True, slots=True)
class Product(ByValues):
    """One file, present or only named by evidence.

    ``name`` is the file name and the key. ``location``, ``size`` and ``sha256``
    are set only when the file was seen on disk (or listed with a size).
    ``None`` attributes never overwrite known values when batches merge.
    """

    name: str
    obs_id: str | None
    level: Level | None
    product_type: ProductType
    suffix: str
    extension: str
    program: str | None = None
    visit_id: str | None = None
    filters: str | None = None
    size: int | None = None
    sha256: str | None = None
    location: str | None = None
    prvversion: str | None = None
    data_rights: str | None = None
    release_date: str | None = None
    dataproduct_type: str | None = None


@dataclass(frozen=True, slots=True)
class Observation(ByValues):
    """A MAST/CAOM observation: one exposure+detector (L1-2) or one L3 product.

    ``obs_id`` is the mission id; exposure observations use the exposure stem
    (``jw01234001001_02101_00001_nrca1``), association observations the L3
    product name as the association writes it (placeholders included).
    """

    obs_id: str
    calib_level: int
    program: str | None = None
    instrument_name: str | None = None
    filters: str | None = None
    target_name: str | None = None
    exp_type: str | None = None
    detector: str | None = None
    visit_id: str | None = None
    intent_type: str | None = None
    dataproduct_type: str | None = None
    s_ra: float | None = None
    s_dec: float | None = None
    t_min: float | None = None
    t_max: float | None = None
    t_exptime: float | None = None
    is_association: bool = False
    data_rights: str | None = None
    release_date: str | None = None

    @property
    def obsid(self) -> int:
        """Numeric MAST ``obsid`` of this observation."""
        return obsid_for(self.obs_id)


@dataclass(frozen=True, slots=True)
class Association(ByValues):
    """An association file and what it says about itself."""

    name: str
    asn_type: str | None
    asn_rule: str | None
    asn_id: str | None
    pool: str | None
    program: str | None
    target: str | None
    version_id: str | None
    code_version: str | None


@dataclass(frozen=True, slots=True, order=True)
class Link(ByValues):
    """A typed, directed edge ``source -> target`` with the evidence that made it."""

    source: str
    target: str
    kind: Kind
    role: str
    evidence: str


@dataclass(frozen=True, slots=True, order=True)
class Member(ByValues):
    """An exposure observation recorded as a member of an association observation."""

    obs_id: str
    member_obs_id: str
    exptype: str
    evidence: str


class WindowRole(enum.StrEnum):
    """What a product's time window is, for linking by time (`TimeWindow`).

    Engineering series link to the ``science`` and ``exposure`` windows they
    overlap; guider windows to the overlapping ``science`` windows of their visit.
    """

    SCIENCE = "science"  # a science exposure's EXPSTART..EXPEND
    EXPOSURE = "exposure"  # any other exposure (target acquisition, confirmation, ...)
    GUIDER = "guider"  # a guider exposure's guiding window (GSSTRTTM..GSENDTIM)
    ENGINEERING = "engineering"  # an Engineering Database series, brackets included


@dataclass(frozen=True, slots=True, order=True)
class TimeWindow(ByValues):
    """The time span (MJD, UTC) a product covers, with what it is.

    ``label`` is the mnemonic of an engineering series; ``visit_id`` the
    ``jw<ppppp><ooo><vvv>`` visit of an exposure or guider window.
    """

    name: str
    role: WindowRole
    start: float
    end: float
    visit_id: str | None = None
    label: str | None = None


@dataclass(slots=True)
class Batch:
    """Catalog rows derived from one input file, written in one transaction.

    ``asn_members`` rows are ``(association, product, expname, exptype)``;
    ``asn_outputs`` rows ``(association, product, output file name)``.
    """

    source: str
    products: list[Product] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    associations: list[Association] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    asn_members: list[tuple[str, str, str, str]] = field(default_factory=list)
    asn_outputs: list[tuple[str, str, str]] = field(default_factory=list)
    headers: dict[str, dict[str, str | int | float | bool]] = field(default_factory=dict)
    crds: dict[str, CrdsHeader] = field(default_factory=dict)
    windows: list[TimeWindow] = field(default_factory=list)

    def extend(self, other: Batch) -> None:
        """Add another batch's rows to this one."""
        self.products += other.products
        self.observations += other.observations
        self.associations += other.associations
        self.links += other.links
        self.members += other.members
        self.aliases.update(other.aliases)
        self.asn_members += other.asn_members
        self.asn_outputs += other.asn_outputs
        self.headers.update(other.headers)
        self.crds.update(other.crds)
        self.windows += other.windows

    def __len__(self) -> int:
        return len(self.products) + len(self.links)


# ---------------------------------------------------------------- evidence


@dataclass(frozen=True, slots=True)
class AsnMember:
    """One member of an association product, exptype already lower-cased."""

    expname: str
    exptype: str
    exposerr: str | None = None


@dataclass(frozen=True, slots=True)
class AsnProduct:
    """One ``products[]`` entry of an association."""

    name: str
    members: tuple[AsnMember, ...]


@dataclass(frozen=True, slots=True)
class AsnEvidence:
    """A validated association file."""

    path: str
    association: Association
    products: tuple[AsnProduct, ...]


@dataclass(frozen=True, slots=True)
class PoolExposure:
    """One row of an association pool: an L1b exposure and its metadata.

    ``columns`` keeps every pool column (lower-case keys, null-like values
    removed) so that nothing the pool says is lost.
    """

    pool: str
    line: int
    filename: str
    columns: dict[str, str]


@dataclass(frozen=True, slots=True)
class HeaderEvidence:
    """What a FITS file's headers say about identity and linkage.

    ``keywords`` holds the primary-header keywords jwlink uses (see
    `jwlink.readers.fits.KEYWORDS`), with astropy's value types;
    ``reference_files`` every ``R_*`` keyword; ``hdrtab_members`` the
    ``FILENAME`` column of an L3 product's ``HDRTAB`` extension.
    """

    path: str
    filename: str
    keywords: dict[str, str | int | float | bool]
    reference_files: dict[str, str]
    hdrtab_members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ListedProduct:
    """One row of a MAST product-list table (astroquery export)."""

    source: str
    line: int
    columns: dict[str, str | int | float | None]


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A file seen on disk: its name, where it is, how big, and its SHA-256."""

    name: str
    location: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class EngineeringSeries:
    """One Engineering Database response: a mnemonic's values over a time range.

    ``times`` are the sample times (MJD, UTC) in the order the file gives
    them, the bracketing values the service adds before and after the
    requested range included; ``requested`` is that range when the file
    records it (``ReqSTime``/``ReqETime`` of a direct response), else None.
    """

    path: str
    mnemonic: str
    times: tuple[float, ...]
    requested: tuple[float, float] | None = None
