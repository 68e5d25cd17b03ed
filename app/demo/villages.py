"""Villages of one demo town and the grids in each: codes, names, kinds and households. Pure."""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.demo.names import DEDICATED_KINDS, VILLAGE_FIRST, VILLAGE_SECOND, is_subdistrict

FIRST_VILLAGE = 201  # village codes: town (9 digits) + 201, 202, ...
VILLAGE_SIZES = (3, 6)  # comprehensive grids per village at full size
SMALL_VILLAGES = (1, 2)
SMALL_GRIDS = (2, 4)
SMALL_DEDICATED_CHANCE = 0.3  # per small village: about 853 / 9,303 of the grids end up dedicated
HOUSEHOLDS = (300, 500)


@dataclass(frozen=True)
class GridDraft:
    seq: int
    name: str
    kind: str
    households: int | None


@dataclass(frozen=True)
class VillageDraft:
    code: str
    name: str
    grids: list[GridDraft]


def full_villages(
    rng: random.Random, town_code: str, town_name: str, comprehensive: int, dedicated: int
) -> list[VillageDraft]:
    """Comprehensive grids in villages of three to six, then the dedicated grids spread among them."""
    sizes: list[int] = []
    while sum(sizes) < comprehensive:
        sizes.append(min(rng.randint(*VILLAGE_SIZES), comprehensive - sum(sizes)))
    extra = [0] * len(sizes)
    for _ in range(dedicated):
        extra[rng.randrange(len(sizes))] += 1
    return _villages(rng, town_code, town_name, list(zip(sizes, extra, strict=True)))


def small_villages(rng: random.Random, town_code: str, town_name: str) -> list[VillageDraft]:
    """One or two villages of two to four comprehensive grids, sometimes with a dedicated grid."""
    counts = [
        (rng.randint(*SMALL_GRIDS), 1 if rng.random() < SMALL_DEDICATED_CHANCE else 0)
        for _ in range(rng.randint(*SMALL_VILLAGES))
    ]
    return _villages(rng, town_code, town_name, counts)


def _villages(rng: random.Random, town_code: str, town_name: str, counts: list[tuple[int, int]]) -> list[VillageDraft]:
    names = _village_names(rng, town_name, len(counts))
    return [
        VillageDraft(
            code=f"{town_code[:9]}{FIRST_VILLAGE + index:03d}",
            name=name,
            grids=_grids(rng, name, comprehensive, dedicated),
        )
        for index, (name, (comprehensive, dedicated)) in enumerate(zip(names, counts, strict=True))
    ]


def _village_names(rng: random.Random, town_name: str, count: int) -> list[str]:
    suffix = "社区" if is_subdistrict(town_name) else "村"
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_SECOND) + suffix
        if name not in names and name[0] != name[1]:
            names.append(name)
    return names


def _grids(rng: random.Random, village_name: str, comprehensive: int, dedicated: int) -> list[GridDraft]:
    """Comprehensive grids first (so grid 001 always has a worker), then the dedicated ones."""
    grids = [
        GridDraft(seq, f"{village_name}第{seq}网格", "comprehensive", rng.randint(*HOUSEHOLDS))
        for seq in range(1, comprehensive + 1)
    ]
    for seq in range(comprehensive + 1, comprehensive + dedicated + 1):
        institution = village_name.removesuffix("社区").removesuffix("村") + rng.choice(DEDICATED_KINDS)
        grids.append(GridDraft(seq, f"{institution}专属网格", "dedicated", None))
    return grids
