"""Best reference files by the CRDS library itself, in local mode over a CRDS cache.

`CrdsCache` opens a cache laid out as CRDS lays it out (``mappings/jwst/*.pmap,
*.imap, *.rmap`` and ``config/jwst/server_config``) and `ContextSelector`
asks one context which reference files it selects for a header's selection
parameters: ``crds.getrecommendations`` (what ``jwst.stpipe.crds_client``
uses) with ``CRDS_MODE=local``, so no server is contacted, and
``CRDS_READONLY_CACHE=1``, so the cache is never written. Selections are
cached per distinct set of parameters: an archive of many exposures has few.

A parameter an rmap matches on that the header lacks is never guessed: the
reftype is selected with every value the rmap knows for it, and if the
choices differ the header is reported as "cannot decide" with the keyword.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jwlink.core.crdsparams import Value
from jwlink.core.reftypes import reftype_for
from jwlink.errors import CrdsError, MissingExtra

__all__ = ["INSTALL", "NOT_APPLICABLE", "ContextSelector", "CrdsCache", "Selection",
           "context_number", "crds_reftype", "file_name"]  # fmt: skip

INSTALL = (
    "jwlink stale needs the CRDS library and the JWST datamodels it reads keywords by: "
    "pip install 'jwlink[crds]' (installs crds and stdatamodels)"
)
NOT_APPLICABLE = "N/A"
_CONTEXT = re.compile(r"^jwst_\d{4}\.pmap$")
# R_* roles use the datamodel schema's names; CRDS calls this one otherwise.
_CRDS_TYPE = {"badshutter": "msaoper"}
_TIME_KEYS = ("META.OBSERVATION.DATE", "META.OBSERVATION.TIME")  # UseAfter: no value to try
_INSTRUMENT_KEY = "META.INSTRUMENT.NAME"
# A UseAfter key of an rmap: '2015-11-01 00:00:00' : 'jwst_niriss_dark_0129.fits'
_USEAFTER = re.compile(r"'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)'\s*:")
# A line of a pmap or imap selection table: 'NIRISS' : 'jwst_niriss_0118.imap',
_SELECTS = re.compile(r"'([A-Z0-9_]+)'\s*:\s*'(jwst_[a-z0-9_]+\.[ir]map)'")
_MAX_TRIALS = 64  # value combinations tried for missing keys before giving up


def crds_reftype(keyword: str) -> str:
    """Return the CRDS reference type an ``R_*`` keyword names (``R_SUPERB`` -> superbias)."""
    reftype = reftype_for(keyword)
    return _CRDS_TYPE.get(reftype, reftype)


def file_name(value: str) -> str:
    """Return a reference as a bare file name: ``crds://x.fits`` -> ``x.fits``; N/A for none."""
    text = value.strip()
    if not text or text.upper() in ("N/A", "NONE") or text.upper().startswith("NOT FOUND"):
        return NOT_APPLICABLE
    return text.removeprefix("crds://").lower()


@dataclass(frozen=True, slots=True)
class Selection:
    """What one context selects for one header.

    ``best`` maps each decided CRDS reftype to a file name or `NOT_APPLICABLE`;
    ``missing`` each undecided reftype to the FITS keywords it needs and the
    header lacks.
    """

    best: dict[str, str] = field(default_factory=dict)
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _import_crds(path: Path) -> Any:
    # Set before crds reads its configuration: local rules only, never write.
    os.environ["CRDS_PATH"] = str(path)
    os.environ["CRDS_MODE"] = "local"
    os.environ["CRDS_READONLY_CACHE"] = "1"
    os.environ["CRDS_SERVER_URL"] = "https://jwst-serverless-mode.stsci.edu"
    try:
        import crds  # type: ignore[import-untyped]  # noqa: PLC0415 - an optional extra
        from crds.core import heavy_client, rmap, utils  # type: ignore[import-untyped]  # noqa: PLC0415
        from crds.jwst import schema  # type: ignore[import-untyped]  # noqa: PLC0415

        schema.dm_to_fits("META.INSTRUMENT.NAME")  # needs stdatamodels
    except ImportError as err:
        msg = f"{INSTALL} ({err})"
        raise MissingExtra(msg) from err
    # Mappings and configuration are cached by name: another cache must not reuse them.
    utils.clear_function_caches()
    return crds, heavy_client, rmap, schema


class CrdsCache:
    """A CRDS cache: its mappings, context history and bad-files list.

    Parameters
    ----------
    path : str or PathLike, optional
        The cache (``CRDS_PATH``); defaults to the ``CRDS_PATH`` environment variable.

    Raises
    ------
    MissingExtra
        crds or stdatamodels is not installed.
    CrdsError
        No cache given, or the cache lacks its mappings folder or server configuration.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        given = path if path is not None else os.environ.get("CRDS_PATH")
        if not given:
            msg = "no CRDS cache: give --crds-path DIR or set CRDS_PATH"
            raise CrdsError(msg)
        self.path = Path(given).resolve()
        self.mappings = self.path / "mappings" / "jwst"
        config = self.path / "config" / "jwst" / "server_config"
        for needed in (self.mappings, config):
            if not needed.exists():
                msg = f"the CRDS cache {self.path} has no {needed.relative_to(self.path)}"
                raise CrdsError(msg + " (a cache is laid out as mappings/jwst/, config/jwst/)")
        self.crds, self.client, self.rmap, self.schema = _import_crds(self.path)
        info = self.client.load_server_info("jwst")
        self.bad_files = frozenset(name.lower() for name in info.bad_files_set)
        self.operational = str(info["operational_context"])
        # Oldest first: (context, date) as the server recorded each going operational.
        entries = ((str(c), str(d)) for d, c, *_ in info["context_history"])
        self.history = sorted(entries, key=lambda entry: entry[1])
        self.dates = dict(self.history)
        self._contains: dict[tuple[str, str], frozenset[str]] = {}
        self._tables: dict[str, dict[str, str]] = {}
        self._delivered: dict[tuple[str, str, str, str], str | None] = {}

    def load(self, name: str) -> Any:
        """Load a mapping and everything it names; a missing file is named in the error."""
        if not (self.mappings / name).is_file():
            msg = f"the CRDS cache {self.path} lacks {name} (expected {self.mappings / name})"
            raise CrdsError(msg)
        try:
            mapping = self.rmap.get_cached_mapping(name)
            nested_names = sorted(mapping.mapping_names())  # loads the imaps and rmaps
        except Exception as err:  # crds raises many kinds, all with the file's name
            missing = re.search(r"jwst_[a-z0-9_]+\.[pir]map", str(err))
            what = (
                f"lacks {missing.group(0)}, which {name} names"
                if missing
                else f"cannot load {name}"
            )
            msg = f"the CRDS cache {self.path} {what} ({type(err).__name__}: {err})"
            raise CrdsError(msg) from err
        # crds keeps mappings by name across caches: check this cache has every one.
        for nested in nested_names:
            if not (self.mappings / nested).is_file():
                msg = f"the CRDS cache {self.path} lacks {nested}, which {name} names"
                msg += f" (expected {self.mappings / nested})"
                raise CrdsError(msg)
        return mapping

    def selector(self, context: str | None = None) -> ContextSelector:
        """Return the selector of a context (default: the cache's operational context)."""
        name = (context or self.operational).strip()
        if not _CONTEXT.match(name):
            msg = f"context {name!r} is not a JWST CRDS context; expected jwst_NNNN.pmap"
            raise CrdsError(msg)
        return ContextSelector(self, name, self.load(name))

    def delivered_in(self, context: str, instrument: str, reftype: str, file: str) -> str | None:
        """Return the first context of the history (up to ``context``) whose rules name ``file``.

        The history lists the contexts that went operational; a file first
        named by a context outside it is credited to ``context`` itself.
        """
        key = (context, instrument, reftype, file)
        if key not in self._delivered:
            self._delivered[key] = self._first_naming(context, instrument, reftype, file)
        return self._delivered[key]

    def _first_naming(self, context: str, instrument: str, reftype: str, file: str) -> str | None:
        upto = context_number(context) or 0
        for name, _date in self.history:
            if (context_number(name) or 0) <= upto and file in self._names(
                name, instrument, reftype
            ):
                return name
        return context if file in self._names(context, instrument, reftype) else None

    def _names(self, context: str, instrument: str, reftype: str) -> frozenset[str]:
        """Return the files a context's rules of one type name (empty if it has none).

        Only the one rmap is loaded: the pmap and imap are read as the
        selection tables they are (``'NIRISS' : 'jwst_niriss_0118.imap'``),
        so walking the history does not load every context whole.
        """
        key = (context, f"{instrument}/{reftype}")
        if key not in self._contains:
            names: frozenset[str] = frozenset()
            imap = self._selected(context, instrument)
            rmap = self._selected(imap, reftype) if imap else None
            if rmap is not None:
                try:
                    rules = self.rmap.get_cached_mapping(rmap)
                except Exception as err:
                    msg = f"the CRDS cache {self.path} cannot load {rmap}: {err}"
                    raise CrdsError(msg) from err
                names = frozenset(n.lower() for n in rules.reference_names())
            self._contains[key] = names
        return self._contains[key]

    def _selected(self, mapping: str, key: str) -> str | None:
        """Return the mapping a pmap or imap selects for ``key`` (an instrument, a type)."""
        if mapping not in self._tables:
            path = self.mappings / mapping
            text = path.read_text() if path.is_file() else ""
            self._tables[mapping] = {k.lower(): v for k, v in _SELECTS.findall(text)}
        return self._tables[mapping].get(key.lower())


def context_number(context: str) -> int | None:
    """Return the serial of a JWST context (``jwst_0541.pmap`` -> 541), None if not one."""
    return int(context[5:9]) if _CONTEXT.match(context.strip()) else None


class ContextSelector:
    """Best references of one context, cached per distinct selection parameters."""

    def __init__(self, cache: CrdsCache, name: str, pmap: Any) -> None:
        self.cache, self.name, self.pmap = cache, name, pmap
        # What CRDS raises when a context has no rules for an instrument or a
        # reference type (unknown, N/A or omitted for that instrument):
        # "nothing to select", never a failure to hide.
        errors = cache.crds.core.exceptions
        self._no_rules: tuple[type[Exception], ...] = (
            errors.CrdsUnknownInstrumentError,
            errors.CrdsUnknownReftypeError,
            errors.IrrelevantReferenceTypeError,
            errors.OmitReferenceTypeError,
        )
        self._selections: dict[tuple[str, tuple[str, ...]], Selection] = {}
        self._bounds: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}

    def select(self, parameters: Mapping[str, Value], reftypes: Iterable[str]) -> Selection:
        """Return the files this context selects for a header's parameters.

        Parameters
        ----------
        parameters : Mapping
            The header's selection keywords by FITS name (``DETECTOR``, ``DATE-OBS``).
        reftypes : iterable of str
            CRDS reference types to select (those the header names).

        Returns
        -------
        Selection
            Decided reftypes with their file, undecided ones with the missing keywords.
        """
        types = tuple(sorted(set(reftypes)))
        key = (json.dumps(self._keyed(parameters, types), sort_keys=True, default=str), types)
        if key not in self._selections:
            self._selections[key] = self._select(dict(parameters), types)
        return self._selections[key]

    def _keyed(self, parameters: Mapping[str, Value], types: tuple[str, ...]) -> dict[str, Value]:
        """Return the parameters with the observation time replaced by its UseAfter interval.

        Rules choose by date only through UseAfter: two exposures between the
        same two consecutive UseAfter dates of every rmap involved get the
        same files, so they share one selection.
        """
        date, time = parameters.get("DATE-OBS"), parameters.get("TIME-OBS")
        if date is None or time is None:
            return dict(parameters)
        when = f"{date} {time}".replace("T", " ")
        bounds = self._useafters(str(parameters.get("INSTRUME", "")).lower(), types)
        keyed = {k: v for k, v in parameters.items() if k not in ("DATE-OBS", "TIME-OBS")}
        keyed["DATE-OBS"] = max((u for u in bounds if u <= when), default="")
        return keyed

    def _useafters(self, instrument: str, types: tuple[str, ...]) -> tuple[str, ...]:
        key = (instrument, types)
        if key not in self._bounds:
            dates: set[str] = set()
            try:
                imap = self.pmap.get_imap(instrument)
            except self._no_rules:  # no rules: select() says so
                imap = None
            for reftype in types if imap is not None else ():
                try:
                    name = imap.get_rmap(reftype).basename
                except self._no_rules:  # noqa: S112 - no rules for that type
                    continue
                text = (self.cache.mappings / name).read_text()
                dates.update(_USEAFTER.findall(text))
            self._bounds[key] = tuple(sorted(dates))
        return self._bounds[key]

    @property
    def distinct(self) -> int:
        """How many distinct (parameters, reftypes) selections were made."""
        return len(self._selections)

    def _select(self, parameters: dict[str, Value], types: tuple[str, ...]) -> Selection:
        instrument = str(parameters.get("INSTRUME", "")).strip().lower()
        try:
            imap = self.pmap.get_imap(instrument) if instrument else None
        except self._no_rules:  # an instrument the context has no rules for
            imap = None
        if imap is None:
            what = f"INSTRUME (no rules for {instrument!r})" if instrument else "INSTRUME"
            return Selection(missing={t: (what,) for t in types})
        best: dict[str, str] = {}
        missing: dict[str, tuple[str, ...]] = {}
        decided = []
        for reftype in types:
            try:
                rules = imap.get_rmap(reftype)
            except self._no_rules:  # no rules for this type: nothing is selected
                best[reftype] = NOT_APPLICABLE
                continue
            absent = [k for k in _match_keys(rules) if self._fits(k) not in parameters]
            if not absent:
                decided.append(reftype)
            elif (only := self._independent(parameters, reftype, rules, absent)) is not None:
                best[reftype] = only
            else:
                missing[reftype] = tuple(self._fits(k) for k in absent)
        if decided:
            best.update(self._recommend(parameters, decided))
        return Selection(best, missing)

    def _fits(self, path: str) -> str:
        keyword = self.cache.schema.dm_to_fits(path)
        return str(keyword) if keyword else path

    def _recommend(self, parameters: Mapping[str, Value], types: list[str]) -> dict[str, str]:
        try:
            found = self.cache.crds.getrecommendations(
                dict(parameters), reftypes=types, context=self.name, observatory="jwst", fast=True
            )
        except Exception as err:
            msg = f"CRDS could not select {types} under {self.name}: {type(err).__name__}: {err}"
            raise CrdsError(msg) from err
        return {t: file_name(str(found.get(t, NOT_APPLICABLE))) for t in types}

    def _independent(
        self, parameters: dict[str, Value], reftype: str, rules: Any, absent: list[str]
    ) -> str | None:
        """Return the one file selected whatever the absent keys hold, else None."""
        if any(k in _TIME_KEYS for k in absent):
            return None
        known = rules.get_parkey_map()
        choices = []
        for key in absent:
            values = {v for text in known.get(key, ()) for v in str(text).split("|")}
            choices.append(sorted(values - {"*", "N/A", "ANY"}) + [None])
        combos = list(itertools.product(*choices))
        if len(combos) > _MAX_TRIALS:
            return None
        seen = set()
        for combo in combos:
            trial = dict(parameters)
            trial.update({self._fits(k): v for k, v in zip(absent, combo, strict=True) if v})
            seen.add(self._recommend(trial, [reftype])[reftype])
            if len(seen) > 1:
                return None
        return seen.pop()


def _match_keys(rules: Any) -> list[str]:
    """Return the datamodel paths an rmap matches on (its ``parkey``), the instrument aside."""
    keys: list[str] = []
    for group in rules.parkey:
        keys += list(group) if isinstance(group, tuple) else [group]
    return [k for k in keys if k.upper() != _INSTRUMENT_KEY]
