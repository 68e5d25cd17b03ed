"""Routing policy as data: where a new case starts and how long each tier has to accept and resolve it.

A policy version is immutable; exactly one is active and every case keeps the version it was
routed by. Its `rules` JSON (validated by `PolicyRules`; the admin API answers 422 naming the
field, e.g. `rules.rules.0.start_tier`):

    {
      "tiers": {                                    # the limits at each tier, all three required
        "town":   {"accept_minutes": 30, "resolve_minutes": 4320},
        "county": {"accept_minutes": 30, "resolve_minutes": 4320},
        "city":   {"accept_minutes": 30, "resolve_minutes": 4320}
      },
      "rules": [
        {"category": "*", "severity": null, "start_tier": "town"},
        {"category": "*", "severity": 3, "start_tier": "county"},
        {"category": "safety.gas", "severity": null, "start_tier": "county",
         "limits": {"county": {"accept_minutes": 15, "resolve_minutes": 1440}}}
      ]
    }

`category` is "*", a group prefix ("safety" matches "safety.gas") or an exact code; `severity` is
null (any) or 1–4; `limits` (optional) overrides `tiers` for the tiers it names. The most specific
matching rule decides the starting tier: an exact code beats a longer prefix beats a shorter one
beats "*", and at equal category specificity a rule with a severity beats one without. Limits come
from the most specific matching rule that names the tier, else from `tiers`. When no rule
matches, the case starts at the town. Limits for the grid tier are the town's.

Defaults (DESIGN.md §4, version 1): accept in 30 minutes and resolve in 3 days at every tier;
severity 3 starts at the county, severity 4 at the city, everything else at the town.

Pure: parsing and evaluation only. Reading and writing versions is app/routing/store.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from app.core.schemas import Schema
from app.routing.calendar import CalendarMode, WorkCalendar
from app.routing.tiers import Tier

CATEGORY_PATTERN = r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*)$"
MAX_MINUTES = 366 * 24 * 60
CentreTier = Literal["town", "county", "city"]


class TierLimitsIn(Schema):
    model_config = ConfigDict(extra="forbid")
    accept_minutes: int = Field(ge=1, le=MAX_MINUTES)
    resolve_minutes: int = Field(ge=1, le=MAX_MINUTES)


class TierTable(Schema):
    model_config = ConfigDict(extra="forbid")
    town: TierLimitsIn
    county: TierLimitsIn
    city: TierLimitsIn


class RuleIn(Schema):
    model_config = ConfigDict(extra="forbid")
    category: str = Field(pattern=CATEGORY_PATTERN, max_length=32)
    severity: int | None = Field(default=None, ge=1, le=4)
    start_tier: CentreTier
    limits: dict[CentreTier, TierLimitsIn] | None = None


class PolicyRules(Schema):
    """The `rules` JSON of a policy version (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")
    tiers: TierTable
    rules: list[RuleIn] = Field(max_length=500)

    @model_validator(mode="after")
    def _one_rule_per_key(self) -> Self:
        seen: set[tuple[str, int | None]] = set()
        for i, rule in enumerate(self.rules):
            key = (rule.category, rule.severity)
            if key in seen:
                raise ValueError(f"rules.{i} repeats category {rule.category!r} with severity {rule.severity}")
            seen.add(key)
        return self


@dataclass(frozen=True)
class Limits:
    accept: timedelta
    resolve: timedelta


@dataclass(frozen=True)
class Rule:
    category: str
    severity: int | None
    start_tier: Tier
    limits: Mapping[Tier, Limits]

    def matches(self, category: str, severity: int) -> bool:
        if self.severity is not None and self.severity != severity:
            return False
        return self.category in ("*", category) or category.startswith(self.category + ".")

    def specificity(self, category: str) -> tuple[int, int, int]:
        kind = 0 if self.category == "*" else 2 if self.category == category else 1
        return (kind, len(self.category), self.severity is not None)


@dataclass(frozen=True, eq=False)
class Policy:
    version: int
    calendar: CalendarMode
    tiers: Mapping[Tier, Limits]
    rules: tuple[Rule, ...]

    def _matching(self, category: str, severity: int) -> list[Rule]:
        found = [r for r in self.rules if r.matches(category, severity)]
        return sorted(found, key=lambda r: r.specificity(category), reverse=True)

    def start_tier(self, category: str, severity: int) -> Tier:
        found = self._matching(category, severity)
        return found[0].start_tier if found else Tier.TOWN

    def limits(self, category: str, severity: int, tier: Tier) -> Limits:
        tier = Tier.TOWN if tier is Tier.GRID else tier
        for rule in self._matching(category, severity):
            if tier in rule.limits:
                return rule.limits[tier]
        return self.tiers[tier]

    def deadline(self, start: datetime, duration: timedelta, calendar: WorkCalendar) -> datetime:
        return calendar.add(start, duration)


def _limits(raw: TierLimitsIn) -> Limits:
    return Limits(timedelta(minutes=raw.accept_minutes), timedelta(minutes=raw.resolve_minutes))


def parse_policy(version: int, calendar: str, rules: Mapping[str, Any] | PolicyRules) -> Policy:
    """A Policy from stored JSON; raises pydantic.ValidationError when the JSON is malformed."""
    parsed = rules if isinstance(rules, PolicyRules) else PolicyRules.model_validate(rules)
    tiers = {Tier(name): _limits(getattr(parsed.tiers, name)) for name in ("town", "county", "city")}
    return Policy(
        version=version,
        calendar=CalendarMode(calendar),
        tiers=tiers,
        rules=tuple(
            Rule(
                category=r.category,
                severity=r.severity,
                start_tier=Tier(r.start_tier),
                limits={Tier(t): _limits(v) for t, v in (r.limits or {}).items()},
            )
            for r in parsed.rules
        ),
    )


DEFAULT_VERSION = 1
_DEFAULT_LIMITS = {"accept_minutes": 30, "resolve_minutes": 3 * 24 * 60}
DEFAULT_RULES: dict[str, Any] = {
    "tiers": {tier: dict(_DEFAULT_LIMITS) for tier in ("town", "county", "city")},
    "rules": [
        {"category": "*", "severity": None, "start_tier": "town"},
        {"category": "*", "severity": 3, "start_tier": "county"},
        {"category": "*", "severity": 4, "start_tier": "city"},
    ],
}
DEFAULT_POLICY = parse_policy(DEFAULT_VERSION, CalendarMode.CALENDAR, DEFAULT_RULES)


@dataclass(frozen=True)
class Routing:
    """Where a new case starts, and its deadlines there (None for a case settled on the spot)."""

    tier: Tier
    accept_due_at: datetime | None
    resolve_due_at: datetime | None
    policy_version: int


def route_report(
    policy: Policy,
    calendar: WorkCalendar,
    category: str,
    severity: int,
    received_at: datetime,
    *,
    settled_on_spot: bool,
) -> Routing:
    """Where a new case starts and its deadlines at that tier, both counted from `received_at`."""
    if settled_on_spot:
        return Routing(Tier.GRID, None, None, policy.version)
    tier = policy.start_tier(category, severity)
    accept_due_at, resolve_due_at = deadlines_at(policy, calendar, category, severity, tier, received_at)
    return Routing(tier, accept_due_at, resolve_due_at, policy.version)


def deadlines_at(
    policy: Policy, calendar: WorkCalendar, category: str, severity: int, tier: Tier, start: datetime
) -> tuple[datetime, datetime]:
    """(accept_due_at, resolve_due_at) for a case of `category` and `severity` arriving at `tier` at `start`."""
    limits = policy.limits(category, severity, tier)
    return policy.deadline(start, limits.accept, calendar), policy.deadline(start, limits.resolve, calendar)
