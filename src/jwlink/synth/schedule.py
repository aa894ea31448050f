"""How many programs and observations of which size make about N products.

The size of one observation (dithers, tiles, nods, sources, segments) grows
with the square root of N and the number of observations makes up the rest,
so a large archive has both more and bigger observations. From 100,000
products on, one NIRCam mosaic has over 5,000 members (benchmarks need a
large Level 3 association). Everything is drawn from ``random.Random`` seeded
by strings, so a seed gives the same archive on every machine.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from jwlink.core import pipeline_modes
from jwlink.naming import parse
from jwlink.synth.fields import position
from jwlink.synth.headers import mjd_iso
from jwlink.synth.modes import BUILDERS, FAMILIES, WEIGHTS, Family
from jwlink.synth.plan import ObsContext, ObservationPlan, Program, Target

__all__ = ["BIG_MOSAIC", "ObsSpec", "Scheduled", "per_observation", "schedule"]

# From this many products on, the archive holds one mosaic of > 5,000 members.
BIG_MOSAIC = 100_000
_BIG_SIZE = 160  # 161 tiles x 8 dithers x 4 short-wave detectors = 5,152 members
_MAX_OBSERVATIONS = 300  # per program; observation numbers have 3 digits
_SHARED = 160  # about how many CRDS reference files a run names


@dataclass(frozen=True, slots=True)
class ObsSpec:
    """One observation to build: its mode and size."""

    mode: str
    size: int


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A program and the observations it holds, in order."""

    program: Program
    family: Family
    targets: tuple[Target, ...]
    observations: tuple[ObsSpec, ...]

    def plans(self, seed: int) -> Iterator[ObservationPlan]:
        """Lay out the program's observations one at a time (streaming)."""
        clock = self.program.start
        for number, spec in enumerate(self.observations, start=1):
            target = self.targets[(number - 1) % len(self.targets)]
            rng = random.Random(f"jwlink-synth:{seed}:{self.program.id}:{number}")  # noqa: S311
            ctx = ObsContext(self.program.id, number, spec.size, target, rng, clock)
            plan = BUILDERS[spec.mode](ctx)
            clock = ctx.clock + 0.25
            yield plan


@lru_cache(maxsize=256)
def per_observation(mode: str, size: int) -> int:
    """Return how many catalog products one observation of this mode and size makes.

    Counts its files and the ``{source_id}`` template products the linker
    names; reference files are shared by the whole run and not counted.
    """
    from jwlink.synth.products import References, observation_files

    target = Target(1, "COUNT", "COUNT", 10.0, 10.0)
    ctx = ObsContext("00001", 1, size, target, random.Random(0), 60000.0)  # noqa: S311
    plan = BUILDERS[mode](ctx)
    program = Program("00001", "", "", "GO", "PUBLIC", "", "20250101t000000", 60000.0)
    files = observation_files(plan, program, References())
    templates = 0
    for asn in plan.level3:
        if asn.sources:
            fn = parse(asn.product)
            row = pipeline_modes.level3_mode(
                asn.asn_type, f"candidate_{asn.rule}", fn.instrument or "", fn.optelems or "", True
            )
            templates += sum(out.per_member is None for out in row.outputs)
    return sum(not i.shared for i in files.items) + templates


def _allocate(products: int) -> dict[str, list[ObsSpec]]:
    # Size 0 is the smallest observation that still shows its mode's structure.
    size = round(math.sqrt(products / 2000))
    specs: dict[str, list[ObsSpec]] = {}
    reserved = _SHARED + 2 * len(FAMILIES)
    if products >= BIG_MOSAIC:
        specs["nircam_image"] = [ObsSpec("nircam_image", _BIG_SIZE)]
        reserved += per_observation("nircam_image", _BIG_SIZE)
    remaining = max(0, products - reserved)
    for mode, weight in WEIGHTS.items():
        count = max(1, round(remaining * weight / per_observation(mode, size)))
        specs.setdefault(mode, []).extend([ObsSpec(mode, size)] * count)
    return specs


def schedule(seed: int, products: int) -> list[Scheduled]:
    """Return the programs of a synthetic archive of about ``products`` products.

    Parameters
    ----------
    seed : int
        Seed of every random choice (program ids, targets, dates, sources).
    products : int
        Requested number of catalog products.

    Returns
    -------
    list of Scheduled
        Programs with their observation specs; building them is lazy.
    """
    # Not for secrets: the point is the same sequence on every machine.
    rng = random.Random(f"jwlink-synth:{seed}")  # noqa: S311
    specs = _allocate(products)
    used: set[str] = set()
    programs = []
    for index, family in enumerate(FAMILIES):
        # Interleave the family's modes so every program holds all of them.
        queues = [specs[m] for m in family.modes]
        ordered = [q[i] for i in range(max(map(len, queues))) for q in queues if i < len(q)]
        for start in range(0, len(ordered), _MAX_OBSERVATIONS):
            pid = _program_id(rng, used)
            programs.append(
                Scheduled(
                    program=_program(rng, pid, family, index),
                    family=family,
                    targets=_targets(rng, family),
                    observations=tuple(ordered[start : start + _MAX_OBSERVATIONS]),
                )
            )
    return programs


def _program_id(rng: random.Random, used: set[str]) -> str:
    while (pid := f"{rng.randrange(1100, 7000):05d}") in used:
        pass
    used.add(pid)
    return pid


def _program(rng: random.Random, pid: str, family: Family, index: int) -> Program:
    # Exclusive-access programs observe in 2026 and open a year later, in the
    # future; public ones observed in 2023-2024 and have been released.
    start = (61100.0 if family.exclusive else 60100.0) + index * 11 + rng.randrange(0, 10)
    stamp = mjd_iso(start + 40 + rng.random())
    return Program(
        id=pid,
        title=family.title,
        pi=rng.choice(
            (
                "Rivera, Ana",
                "Okafor, Chidi",
                "Lindqvist, Maja",
                "Tanaka, Hiro",
                "Moreau, Claire",
                "Haddad, Samir",
            )
        ),
        category=family.category,
        rights="EXCLUSIVE_ACCESS" if family.exclusive else "PUBLIC",
        release=mjd_iso(start + 365.25)[:10],
        stamp=f"{stamp[:4]}{stamp[5:7]}{stamp[8:10]}t{stamp[11:13]}{stamp[14:16]}{stamp[17:19]}",
        start=start,
    )


def _targets(rng: random.Random, family: Family) -> tuple[Target, ...]:
    targets = []
    for number, name in enumerate(family.targets, start=1):
        # Two draws as before, so that a seed's programs and files stay what
        # they were; the position is the target's own (fields.FIELDS).
        made_up = (round(rng.uniform(0, 360), 7), round(rng.uniform(-70, 70), 7))
        ra, dec = position(name) or made_up
        targets.append(Target(number, name, name.replace("-", " "), ra, dec))
    return tuple(targets)
