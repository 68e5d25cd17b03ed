"""Routing policy: rule matching, the DESIGN §4 defaults, versions through the admin API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import RoutingPolicy
from app.routing import rules as p
from app.routing.calendar import CALENDAR_TIME, CalendarMode, WorkCalendar
from app.routing.tiers import Tier
from tests import factories as f
from tests.worlds import World

URL = "/api/v1/policies"
LIMITS = {"accept_minutes": 30, "resolve_minutes": 4320}


def rules(*extra: dict[str, Any], tiers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "tiers": tiers or {"town": LIMITS, "county": LIMITS, "city": LIMITS},
        "rules": [{"category": "*", "severity": None, "start_tier": "town"}, *extra],
    }


class TestDefaults:
    @pytest.mark.parametrize(("severity", "tier"), [(1, Tier.TOWN), (2, Tier.TOWN), (3, Tier.COUNTY), (4, Tier.CITY)])
    def test_severity_3_starts_at_the_county_4_at_the_city_the_rest_at_the_town(
        self, severity: int, tier: Tier
    ) -> None:
        assert p.DEFAULT_POLICY.start_tier("safety.fire", severity) is tier

    @pytest.mark.parametrize("tier", [Tier.TOWN, Tier.COUNTY, Tier.CITY])
    def test_accept_in_30_minutes_resolve_in_3_days_everywhere(self, tier: Tier) -> None:
        assert p.DEFAULT_POLICY.limits("dispute.land", 2, tier) == p.Limits(timedelta(minutes=30), timedelta(days=3))

    def test_version_1_in_calendar_time(self) -> None:
        assert p.DEFAULT_POLICY.version == 1 and p.DEFAULT_POLICY.calendar is CalendarMode.CALENDAR

    def test_route_report_by_the_default_in_calendar_time(self) -> None:
        routing = p.route_report(p.DEFAULT_POLICY, CALENDAR_TIME, "*", 3, f.NOW, settled_on_spot=False)
        assert (routing.tier, routing.policy_version) == (Tier.COUNTY, 1)
        assert routing.accept_due_at == f.NOW + timedelta(minutes=30)
        assert routing.resolve_due_at == f.NOW + timedelta(days=3)
        settled = p.route_report(p.DEFAULT_POLICY, CALENDAR_TIME, "*", 1, f.NOW, settled_on_spot=True)
        assert (settled.tier, settled.accept_due_at, settled.resolve_due_at) == (Tier.GRID, None, None)

    def test_working_day_deadlines_come_from_the_calendar(self) -> None:
        work = WorkCalendar(CalendarMode.WORKING_DAYS)
        routing = p.route_report(p.DEFAULT_POLICY, work, "safety.fire", 1, f.NOW, settled_on_spot=False)  # a Saturday
        assert routing.accept_due_at == f.NOW.replace(day=29, hour=16, minute=30)  # Monday 00:30 in Shanghai


class TestMatching:
    POLICY = p.parse_policy(
        7,
        "calendar",
        rules(
            {"category": "safety", "severity": None, "start_tier": "county"},
            {"category": "safety.gas", "severity": None, "start_tier": "city"},
            {"category": "safety", "severity": 1, "start_tier": "town"},
            {"category": "*", "severity": 4, "start_tier": "city"},
            {
                "category": "dispute",
                "severity": None,
                "start_tier": "town",
                "limits": {"town": {"accept_minutes": 60, "resolve_minutes": 10080}},
            },
            {"category": "dispute.wages", "severity": None, "start_tier": "county"},
        ),
    )

    @pytest.mark.parametrize(
        ("category", "severity", "tier"),
        [
            ("order.theft", 2, Tier.TOWN),  # only "*"
            ("order.theft", 4, Tier.CITY),  # "*" with a severity beats "*" without
            ("safety.fire", 2, Tier.COUNTY),  # group prefix beats "*"
            ("safety.fire", 4, Tier.COUNTY),  # a prefix beats "*" even when "*" names the severity
            ("safety.fire", 1, Tier.TOWN),  # same prefix, with a severity, wins
            ("safety.gas", 1, Tier.CITY),  # an exact code beats a prefix with a severity
            ("safetyx.other", 2, Tier.TOWN),  # "safety" is no prefix of "safetyx"
        ],
    )
    def test_the_most_specific_rule_wins(self, category: str, severity: int, tier: Tier) -> None:
        assert self.POLICY.start_tier(category, severity) is tier

    def test_limits_come_from_the_most_specific_rule_naming_the_tier(self) -> None:
        week = p.Limits(timedelta(hours=1), timedelta(days=7))
        assert self.POLICY.limits("dispute.wages", 1, Tier.TOWN) == week  # wages names no limits; dispute does
        assert self.POLICY.limits("dispute.wages", 1, Tier.COUNTY) == p.Limits(timedelta(minutes=30), timedelta(days=3))
        assert self.POLICY.limits("dispute.land", 1, Tier.GRID) == week  # the grid tier uses the town's

    def test_without_a_matching_rule_cases_start_at_the_town(self) -> None:
        policy = p.parse_policy(2, "calendar", {"tiers": rules()["tiers"], "rules": []})
        assert policy.start_tier("order.theft", 4) is Tier.TOWN

    def test_deadline_counts_in_the_given_calendar(self) -> None:
        assert self.POLICY.deadline(f.NOW, timedelta(minutes=5), CALENDAR_TIME) == f.NOW + timedelta(minutes=5)

    @pytest.mark.parametrize(
        "bad",
        [
            rules({"category": "*", "severity": None, "start_tier": "town"}),  # repeated key
            rules({"category": "Safety", "start_tier": "town"}),
            rules({"category": "safety", "severity": 5, "start_tier": "town"}),
            rules({"category": "safety", "start_tier": "grid"}),
            {"tiers": {"town": LIMITS, "county": LIMITS}, "rules": []},
            rules(tiers={"town": {"accept_minutes": 0, "resolve_minutes": 1}, "county": LIMITS, "city": LIMITS}),
        ],
    )
    def test_malformed_rules_are_refused(self, bad: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            p.parse_policy(2, "calendar", bad)


class TestVersions:
    async def test_with_nothing_stored_the_default_is_active(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, app: FastAPI
    ) -> None:
        assert (await app.state.policies.active(session)) is p.DEFAULT_POLICY
        active = await client.get(f"{URL}/active", headers=world["admin"])
        assert active.status_code == 200
        assert active.json()["version"] == 1 and active.json()["rules"] == p.DEFAULT_RULES

    async def test_a_new_version_becomes_the_only_active_one_and_the_old_stays_readable(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, app: FastAPI
    ) -> None:
        slower = rules(
            tiers={"town": {"accept_minutes": 60, "resolve_minutes": 7200}, "county": LIMITS, "city": LIMITS}
        )
        created = await client.post(
            URL, json={"calendar": "working_days", "rules": slower, "note": "slower towns"}, headers=world["admin"]
        )
        assert created.status_code == 201, created.text
        assert created.json()["version"] == 2 and created.json()["active"] is True
        assert created.headers["Location"] == f"{URL}/2"

        listed = (await client.get(URL, headers=world["admin"])).json()["items"]
        assert [(v["version"], v["active"]) for v in listed] == [(2, True), (1, False)]
        assert listed[1]["rules"] == p.DEFAULT_RULES
        assert (await client.get(f"{URL}/active", headers=world["admin"])).json()["version"] == 2
        assert (await client.get(f"{URL}/1", headers=world["admin"])).json()["active"] is False

        active = await app.state.policies.active(session)
        assert (active.version, active.calendar) == (2, CalendarMode.WORKING_DAYS)
        assert active.limits("safety.fire", 1, Tier.TOWN).accept == timedelta(minutes=60)
        old = await app.state.policies.version(session, 1)
        assert old.limits("safety.fire", 1, Tier.TOWN).accept == timedelta(minutes=30)
        actives = (await session.execute(select(RoutingPolicy.version).where(RoutingPolicy.active))).scalars().all()
        assert list(actives) == [2]

    async def test_versions_count_up(self, client: httpx.AsyncClient, world: World) -> None:
        for expected in (2, 3):
            created = await client.post(URL, json={"rules": rules()}, headers=world["admin"])
            assert created.json()["version"] == expected and created.json()["calendar"] == "calendar"
        page = await client.get(URL, params={"limit": 2}, headers=world["admin"])
        rest = await client.get(URL, params={"cursor": page.json()["next_cursor"]}, headers=world["admin"])
        assert [v["version"] for v in page.json()["items"]] == [3, 2]
        assert [v["version"] for v in rest.json()["items"]] == [1] and rest.json()["next_cursor"] is None

    async def test_an_unknown_version_is_404(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await client.get(f"{URL}/9", headers=world["admin"])).status_code == 404


class TestAdminOnly:
    @pytest.mark.parametrize("who", ["city", "town_a", "worker_a"])
    async def test_others_get_403(self, client: httpx.AsyncClient, world: World, who: str) -> None:
        assert (await client.post(URL, json={"rules": rules()}, headers=world[who])).status_code == 403
        assert (await client.get(URL, headers=world[who])).status_code == 403

    @pytest.mark.parametrize(("who", "status"), [("city", 200), ("town_a", 200), ("worker_a", 403)])
    async def test_command_centres_read_the_active_policy(
        self, client: httpx.AsyncClient, world: World, who: str, status: int
    ) -> None:  # their deadlines are what they are judged on
        assert (await client.get(f"{URL}/active", headers=world[who])).status_code == status

    async def test_signed_out_is_401(self, client: httpx.AsyncClient) -> None:
        assert (await client.get(URL)).status_code == 401


class TestInvalidRules:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"rules": rules({"category": "safety", "start_tier": "grid"})}, "rules.rules.1.start_tier"),
            ({"rules": rules({"category": "safety", "severity": 0, "start_tier": "city"})}, "rules.rules.1.severity"),
            ({"rules": rules({"category": "no.such", "start_tier": "city"})}, "rules.rules.1.category"),
            ({"rules": {"tiers": {"town": LIMITS}, "rules": []}}, "rules.tiers.county"),
            ({"rules": rules(), "calendar": "lunar"}, "calendar"),
            ({"calendar": "calendar"}, "rules"),
        ],
    )
    async def test_422_names_the_field_and_nothing_is_stored(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, body: dict[str, Any], field: str
    ) -> None:
        response = await client.post(URL, json=body, headers=world["admin"])
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
        assert (await session.execute(select(RoutingPolicy))).first() is None
