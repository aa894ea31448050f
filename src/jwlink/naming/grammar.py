"""JWST file and product names as immutable value objects (pure: no I/O).

`parse` is strict and says which part of a bad name is wrong (`describe`, in
`jwlink.naming.info`, is lenient and guesses what it can from names outside
the grammar). The grammar is
``jwst-data.md`` §1.5, §1.6 and §2 (from spacetelescope/jwst
``docs/jwst/data_products/file_naming.rst`` and ``jwst/associations/lib``).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import re
import unicodedata
from dataclasses import dataclass

from jwlink.core.model import Level, ProductType
from jwlink.core.values import ByValues
from jwlink.errors import InvalidName
from jwlink.naming.diagnosis import bad_acid, reason, unknown_extension
from jwlink.naming.patterns import (
    ACID,
    BAD_CHARS,
    MISPLACED_THUMB,
    PATTERNS,
    SLIT,
    SUFFIX,
    THUMB,
)
from jwlink.naming.split import split_crds, split_stage3
from jwlink.naming.suffixes import EXTENSIONS, classify, is_known

__all__ = [
    "bare_name",
    "check_characters",
    "FileName",
    "Form",
    "is_known_suffix",
    "MAX_NAME_BYTES",
    "parse",
]


class Form(str, enum.Enum):  # noqa: UP042  # like the jwlink.core.model enums
    """The shapes a JWST-related file name can take (see `FileName`)."""

    EXPOSURE = "exposure"
    STAGE3 = "stage3"
    ASSOCIATION = "association"
    POOL = "pool"
    GUIDESTAR = "guidestar"
    MSA = "msa"
    REFERENCE = "reference"
    CONTEXT = "context"
    ENGINEERING = "engineering"
    DUMMY = "dummy"


_COMPILED = {Form(form): re.compile(p, re.ASCII) for form, p in PATTERNS.items()}


def _opt(prefix: str, value: str | None) -> str:
    return "" if value is None else prefix + value


@dataclass(frozen=True, slots=True)
class FileName(ByValues):
    """A parsed JWST file or product name; ``str()`` gives back the input exactly.

    Every component is kept as written (case, zero padding); absent parts are
    None. Instances are immutable and hashable. The components of the two main
    forms, letter by letter::

        jw96090001001_03101_00001-seg001_nrca2_o001_crf.fits
          pppppooovvv ggsaa eeeee    nnn ddddd AAAA xxx ffff

        jw99009-o001_t001-s000000001-epoch2_nirspec_f100lp-g140m-s200a2_wfscmb-02.fits
          ppppp AAAA tttt SSSSSSSSSS      E iiiiiii OOOOOOOOOOOOOOOOOOO xxxxxx cc ffff

    ``p`` `program`, ``o`` `observation`, ``v`` `visit`, ``g`` `visit_group`,
    ``s`` `seq_id`, ``a`` `activity`, ``e`` `exposure`, ``n`` `segment`,
    ``d`` `detector`, ``A`` `acid`, ``t`` `target`, ``S`` `source`, ``E``
    `epoch`, ``i`` `instrument`, ``O`` `optelems`, ``x`` `suffix`, ``c``
    `act_id`, ``f`` `extension`; a NIRSpec fixed slit after the detector
    is `optelems`. The other forms (`Form`) add `asn_type`, `stamp`,
    `sequence`, `gs_kind`, `gs_id`, `gs_product` (``image``/``stacked``),
    `msa_config`, `reftype`, `serial` (reference files), `context_number`
    and `number` (dummies ``jw_00001``);
    `thumbnail` marks ``..._thumb.jpg``.

    Examples
    --------
    >>> fn = parse("jw87800017001_02102_00001_nis_rate.fits")
    >>> fn.detector, fn.suffix, fn.obs_id
    ('nis', 'rate', 'jw87800017001_02102_00001_nis')
    >>> str(fn.with_suffix("cal"))
    'jw87800017001_02102_00001_nis_cal.fits'
    """

    form: Form
    program: str | None = None
    observation: str | None = None
    visit: str | None = None
    visit_group: str | None = None
    seq_id: str | None = None
    activity: str | None = None
    exposure: str | None = None
    segment: str | None = None
    detector: str | None = None
    acid: str | None = None
    target: str | None = None
    source: str | None = None
    epoch: str | None = None
    instrument: str | None = None
    optelems: str | None = None
    act_id: str | None = None
    asn_type: str | None = None
    stamp: str | None = None
    sequence: str | None = None
    gs_kind: str | None = None
    gs_id: str | None = None
    gs_product: str | None = None
    msa_config: str | None = None
    reftype: str | None = None
    serial: str | None = None
    context_number: str | None = None
    number: str | None = None
    suffix: str | None = None
    extension: str | None = None
    thumbnail: bool = False

    @classmethod
    def parse(cls, name: str) -> FileName:
        """Parse ``name``; the same as the module-level `parse`."""
        return parse(name)

    def __str__(self) -> str:
        return self.format()

    def format(self) -> str:
        """Return the name as a string; ``parse(s).format() == s``."""
        tail = _opt("_", self.suffix) + _opt("-", self.act_id)
        return self.stem + tail + ("_thumb" if self.thumbnail else "") + _opt(".", self.extension)

    @property
    def stem(self) -> str:
        """The name without ``_suffix[-act_id]``, ``_thumb`` and ``.extension``."""
        seg = _opt("-seg", self.segment)
        match self.form:
            case Form.EXPOSURE:
                return (f"{self.visit_id}_{self.visit_group}{self.seq_id}{self.activity}"
                        f"_{self.exposure}{seg}_{self.detector}{_opt('_', self.acid)}"
                        f"{_opt('_', self.optelems)}")  # fmt: skip
            case Form.STAGE3:
                who = self.target + _opt("-", self.source) if self.target else self.source
                return (f"jw{self.program}-{self.acid}_{who}{_opt('-epoch', self.epoch)}"
                        f"_{self.instrument}{_opt('_', self.optelems)}")  # fmt: skip
            case Form.ASSOCIATION:
                return (f"jw{self.program}-{self.acid}{_opt('_', self.stamp)}"
                        f"_{self.asn_type}_{self.sequence}")  # fmt: skip
            case Form.POOL:
                return f"jw{self.program}{_opt('_', self.observation)}_{self.stamp}"
            case Form.GUIDESTAR:
                return (f"{self.visit_id}_gs-{self.gs_kind}_{self.gs_id}{seg}"
                        f"{_opt('_', self.gs_product)}")  # fmt: skip
            case Form.MSA:
                return f"{self.visit_id}_{self.msa_config}"
            case Form.REFERENCE | Form.CONTEXT:
                words = [w for w in (self.instrument, self.reftype) if w is not None]
                return "_".join(["jwst", *words, str(self.serial or self.context_number)])
            case Form.ENGINEERING:
                return f"{self.stamp}_{self.sequence}"
        return f"jw_{self.number}"

    @property
    def visit_id(self) -> str | None:
        """``jw<ppppp><ooo><vvv>`` for exposure, guide-star and MSA names, else None."""
        if self.form in (Form.EXPOSURE, Form.GUIDESTAR, Form.MSA):
            return f"jw{self.program}{self.observation}{self.visit}"
        return None

    @property
    def obs_id(self) -> str | None:
        """The observation this file belongs to; None for documents and references.

        Exposures and guide-star products drop segment and ACID. Stage-3 names
        put back the ``{source_id}`` and ``{slit_name}`` placeholders, so every
        per-source file maps to the product name its association wrote.
        """
        observation = self.observation_name()
        return None if observation is None else observation.stem

    def observation_name(self) -> FileName | None:
        """Return this name with the parts `obs_id` drops dropped (its stem is `obs_id`).

        Suffix, act id and extension are kept; None for documents and references.
        """
        if self.form in (Form.EXPOSURE, Form.GUIDESTAR, Form.DUMMY):
            return dataclasses.replace(
                self, segment=None, acid=None, optelems=None, gs_product=None
            )
        if self.form is not Form.STAGE3:
            return None
        source, optelems = self.source, self.optelems
        if source is not None and source != "{source_id}":
            source = "{source_id}"
            # Only the fixed-slit form (target and source) names the slit; the
            # first slit token is the slit, a later one is the subarray.
            if self.target and optelems and "{slit_name}" not in optelems:
                optelems = SLIT.sub("{slit_name}", optelems, count=1)
        return dataclasses.replace(self, source=source, optelems=optelems)

    @property
    def level(self) -> Level | None:
        """Processing level: the stage that writes the suffix (`jwlink.naming.suffixes`).

        A suffix outside the table (`suffix_known` False) gets the level of the
        name's base: 2b for exposure-based names, 3 for stage-3 names.
        """
        return self.classification()[0]

    @property
    def suffix_known(self) -> bool:
        """False if the name has a suffix the jwst pipeline is not known to write.

        Such a name is still accepted (the grammar is about positions, not
        vocabulary); it is AUXILIARY at the level of its base. Names without a
        suffix, and forms whose suffix is fixed (``_asn``, ``_pool``, guide-star
        products), are known.
        """
        if self.form not in (Form.EXPOSURE, Form.STAGE3, Form.DUMMY):
            return True
        return is_known_suffix(self.suffix)

    @property
    def product_type(self) -> ProductType:
        """MAST ``productType``; PREVIEW / THUMBNAIL for pictures of a product."""
        return self.classification()[1]

    def classification(self) -> tuple[Level | None, ProductType]:
        """Return `level` and `product_type` together (one look-up of the suffix table)."""
        image = "thumbnail" if self.thumbnail else "preview" if self.is_preview else None
        return classify(self.form.value, self.suffix, self.asn_type, image, acid=self.acid)

    @property
    def is_preview(self) -> bool:
        """True for previews and thumbnails (``.jpg`` / ``.png``)."""
        return self.extension in ("jpg", "png")

    @property
    def previewed(self) -> str | None:
        """For a preview or thumbnail, the FITS file it shows; else None."""
        shown = self.previewed_name()
        return None if shown is None else str(shown)

    def previewed_name(self) -> FileName | None:
        """For a preview or thumbnail, the parsed name of the FITS file it shows; else None."""
        if not self.is_preview:
            return None
        return dataclasses.replace(self, thumbnail=False, extension="fits")

    def with_suffix(self, suffix: str, extension: str = "fits") -> FileName:
        """Return the same exposure, stage-3 or dummy name with another suffix.

        Parameters
        ----------
        suffix : str
            New suffix, e.g. ``"cal"``; an act id (``-02``) is kept.
        extension : str
            New extension, one of `jwlink.naming.suffixes.EXTENSIONS`.

        Returns
        -------
        FileName
            The new name, never a thumbnail.

        Raises
        ------
        InvalidName
            For other forms, or a malformed suffix or extension.
        """
        if self.form not in (Form.EXPOSURE, Form.STAGE3, Form.DUMMY):
            raise InvalidName(str(self), f"a {self.form.value} name has no free suffix to set")
        if not re.fullmatch(SUFFIX, suffix, re.ASCII) or suffix == "thumb":
            raise InvalidName(str(self), f"suffix must look like 'cal' or 'ami-oi', got '{suffix}'")
        if extension not in EXTENSIONS:
            raise InvalidName(str(self), unknown_extension(extension, EXTENSIONS))
        return dataclasses.replace(self, suffix=suffix, extension=extension, thumbnail=False)

    def with_acid(self, acid: str | None) -> FileName:
        """Return the same exposure name with its ACID (``o001``) set, or removed by None.

        Raises
        ------
        InvalidName
            If this is not an exposure name or ``acid`` is malformed.
        """
        if self.form is not Form.EXPOSURE:
            msg = "only exposure-based names carry an ACID after the detector"
            raise InvalidName(str(self), msg)
        if acid is not None and not re.fullmatch(ACID, acid, re.ASCII):
            raise InvalidName(str(self), bad_acid(acid))
        return dataclasses.replace(self, acid=acid)


_FIELDS = frozenset(f.name for f in dataclasses.fields(FileName))


def is_known_suffix(suffix: str | None) -> bool:
    """Return whether the jwst pipeline is known to write ``suffix``.

    Parameters
    ----------
    suffix : str or None
        A suffix as `FileName.suffix` holds it; None (no suffix) and the
        ``{suffix}`` placeholder count as known.

    Returns
    -------
    bool
        True for the suffixes of `jwlink.naming.suffix_table` (every suffix of jwst's
        ``KNOW_SUFFIXES``, older releases' ones, and the products and extra
        outputs the pipeline code writes).

    Examples
    --------
    >>> is_known_suffix("assign_wcs"), is_known_suffix("cal_extra")
    (True, False)
    """
    return suffix is None or suffix == "{suffix}" or is_known(suffix)


@functools.lru_cache(maxsize=1 << 13)  # as jwlink.naming.info.CACHED_NAMES
def parse(name: str) -> FileName:
    """Parse a JWST file or product name strictly.

    Specific forms are tried first (association, pool, guide star, MSA, CRDS
    reference and context, engineering, dummy), then exposure, then stage 3.

    Parameters
    ----------
    name : str
        A bare file name (no directory), or a product name as an association
        writes it: no suffix or extension, placeholders ``{source_id}``,
        ``{slit_name}`` and ``{suffix}`` allowed.

    Returns
    -------
    FileName
        ``str(result) == name``.

    Raises
    ------
    InvalidName
        With a reason naming the wrong part and what was expected.
    """
    check_characters(name)
    if len(name) > MAX_NAME_BYTES:  # a name the grammar accepts is ASCII: one byte a character
        msg = f"is {len(name)} characters long; file names are at most {MAX_NAME_BYTES} bytes"
        raise InvalidName(name, msg)
    parsed = _match(name)
    if parsed is None:
        raise InvalidName(name, reason(name, _match))
    return parsed


def check_characters(name: str) -> None:
    """Raise `InvalidName` for an empty name, a path, a control character or bad UTF-8."""
    if not name:
        raise InvalidName(name, "empty name")
    if (bad := BAD_CHARS.search(name)) is not None:
        what = "a path separator" if bad[0] in "/\\" else "whitespace or a control character"
        raise InvalidName(name, f"contains {what} {bad[0]!r}: pass a bare file name, not a path")
    if (bad := _SURROGATE.search(name)) is not None:
        # os.listdir hands back the bytes of a non-UTF-8 name as lone surrogates
        # (PEP 383); no catalog can store such a string.
        msg = f"contains {bad[0]!r}, not a character: the name is not valid UTF-8"
        raise InvalidName(name, msg)


_SURROGATE = re.compile("[\ud800-\udfff]")
# NAME_MAX of Linux and of most file systems, in bytes of UTF-8.
MAX_NAME_BYTES = 255


def bare_name(name: str) -> str:
    """Return ``name`` if it can be a bare file name in a folder, else raise.

    Readers check each file name an input names (association members, pool
    rows, product-table rows) with this before anything links or stores it.

    Parameters
    ----------
    name : str
        A file or product name from an input file.

    Returns
    -------
    str
        ``name`` unchanged.

    Raises
    ------
    InvalidName
        Empty, ``.``/``..``, a path separator, whitespace or a control
        character, invisible formatting (bidirectional marks, zero-width
        characters: a name could display as another), not valid UTF-8, or
        over `MAX_NAME_BYTES` bytes.
    """
    check_characters(name)
    if name in (".", ".."):
        raise InvalidName(name, "'.' and '..' are folders, not file names")
    for char in name:
        if unicodedata.category(char) == "Cf":
            what = unicodedata.name(char, "format character")
            msg = f"contains invisible formatting U+{ord(char):04X} ({what}); names are plain text"
            raise InvalidName(name, msg)
    if (size := len(name.encode("utf-8"))) > MAX_NAME_BYTES:
        msg = f"is {size} bytes long; file names are at most {MAX_NAME_BYTES} bytes"
        raise InvalidName(name, msg)
    return name


def _match(name: str) -> FileName | None:
    thumb = THUMB.fullmatch(name)
    text = thumb["base"] + thumb["ext"] if thumb else name
    for form, pattern in _COMPILED.items():
        if (m := pattern.fullmatch(text)) is None:
            continue
        fields = {k: v for k, v in m.groupdict().items() if v is not None}
        if form is Form.STAGE3:
            split_stage3(name, fields)
        elif form in (Form.REFERENCE, Form.CONTEXT):
            split_crds(name, form.value, fields)
        if fields.get("suffix", "").rpartition("_")[2] == "thumb":
            raise InvalidName(name, MISPLACED_THUMB)
        return FileName(
            form, **{k: fields[k] for k in fields.keys() & _FIELDS}, thumbnail=bool(thumb)
        )
    return None
