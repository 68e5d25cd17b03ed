"""A case's link to the campaign visit that found it (issue 11 §3): which campaign, which household.

Read in one batched query for a page of reports (no N+1). A sensitive kind of campaign (trafficking,
mental_disorder) is named only to cleared users: to anyone else the case shows `campaign` and
`household` as null, its timeline drops the link's ids, and `?campaign_id=` of such a campaign finds
nothing, so an uncleared reader cannot even learn that the case came from one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.scope import Scope
from app.models import Campaign, CampaignVisit, Household, Report

LINK_KEYS = ("campaign_id", "household_id")  # what the first timeline entry of a finding carries in `data`


@dataclass(frozen=True)
class Link:
    campaign_id: int
    title: str
    kind: str
    sensitive: bool
    household_id: int
    address: str

    def visible_to(self, scope: Scope) -> bool:
        return not self.sensitive or scope.sees_sensitive


async def campaign_links(session: AsyncSession, report_ids: Iterable[int]) -> dict[int, Link]:
    """The link of each of these reports that came from a campaign visit, by report id; one query."""
    ids = sorted(set(report_ids))
    if not ids:
        return {}
    stmt = (
        select(CampaignVisit.report_id, Campaign.id, Campaign.title, Campaign.kind, Campaign.sensitive,
               Household.id, Household.address)
        .join(Campaign, Campaign.id == CampaignVisit.campaign_id)
        .join(Household, Household.id == CampaignVisit.household_id)
        .where(CampaignVisit.report_id.in_(ids))
    )  # fmt: skip
    return {row[0]: Link(*row[1:]) for row in (await session.execute(stmt)).all() if row[0] is not None}


def visible_link(links: Mapping[int, Link], report_id: int, scope: Scope) -> Link | None:
    link = links.get(report_id)
    return link if link is not None and link.visible_to(scope) else None


def campaign_filter(campaign_id: int, scope: Scope) -> ColumnElement[bool]:
    """Reports found by this campaign's visits; none for a sensitive campaign without clearance."""
    found = select(CampaignVisit.report_id).join(Campaign, Campaign.id == CampaignVisit.campaign_id)
    found = found.where(CampaignVisit.campaign_id == campaign_id, CampaignVisit.report_id.is_not(None))
    if not scope.sees_sensitive:
        found = found.where(Campaign.sensitive.is_(False))
    return Report.id.in_(found)


def entry_data(data: Mapping[str, Any] | None, hidden: bool) -> dict[str, Any] | None:
    """A timeline entry's data as this reader sees it: without the link's ids when the link is hidden."""
    if data is None or not hidden:
        return dict(data) if data is not None else None
    return {k: v for k, v in data.items() if k not in LINK_KEYS}


def hidden_link(links: Mapping[int, Link], report_id: int, scope: Scope) -> bool:
    link = links.get(report_id)
    return link is not None and not link.visible_to(scope)
