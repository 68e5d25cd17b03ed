"""Door-to-door campaigns (户户进, 专项排查): their versioned checklists and the visits made for them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, UTCDateTime


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(
        String(32)
    )  # general | trafficking | mental_disorder | telecom_fraud | elderly_fraud
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    region_level: Mapped[str] = mapped_column(String(10))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    target_tags: Mapped[list[str]] = mapped_column(JSON)  # empty: every household
    coverage_target: Mapped[float] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer)  # the checklist's current version
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CampaignChecklist(Base):
    """One version of a campaign's checklist; never changed once written."""

    __tablename__ = "campaign_checklist"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CampaignVisit(Base):
    """A visit to a household for a campaign (visited or not_home), idempotent on (worker, client_id)."""

    __tablename__ = "campaign_visit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))  # the household's, for progress by grid
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    client_id: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    checklist_version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16))  # visited | not_home
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("worker_id", "client_id"),
        Index("ix_campaign_visit_campaign_id_household_id", "campaign_id", "household_id"),
        Index(
            "ix_campaign_visit_findings",
            "campaign_id",
            "report_id",
            postgresql_where=text("report_id IS NOT NULL"),
            sqlite_where=text("report_id IS NOT NULL"),
        ),
    )


class CampaignHousehold(Base):
    """A targeted household's state in a campaign once it has a visit: visited, or so far only not at home.

    Visits only ever move it from not-at-home to visited, so replays and any arrival order end the same."""

    __tablename__ = "campaign_household"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    visited: Mapped[bool] = mapped_column(Boolean)


class CampaignGrid(Base):
    """Per campaign and grid: households visited and households so far only not at home (kept with the above)."""

    __tablename__ = "campaign_grid"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), primary_key=True)
    visited: Mapped[int] = mapped_column(Integer)
    not_home: Mapped[int] = mapped_column(Integer)
