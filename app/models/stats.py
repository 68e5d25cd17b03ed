"""Per-case facts the figures sum (app/dashboards/stats): derived from the timeline, one row per case."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, UTCDateTime


class CaseFact(Base):
    """What the figures count about one case (formulas.facts_of), rewritten on every change to it."""

    __tablename__ = "stats_case"

    report_id: Mapped[int] = mapped_column(BigId, ForeignKey("report.id"), primary_key=True, autoincrement=False)
    received_day: Mapped[date] = mapped_column(Date)
    city_code: Mapped[str] = mapped_column(String(12))
    county_code: Mapped[str] = mapped_column(String(12))
    town_code: Mapped[str | None] = mapped_column(String(12))
    village_code: Mapped[str | None] = mapped_column(String(12))
    grid_code: Mapped[str | None] = mapped_column(String(15))
    category_code: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    sensitive: Mapped[bool] = mapped_column(Boolean)
    accepted: Mapped[int] = mapped_column(Integer)  # 0/1 flags: summed by the queries
    closed: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    finalized: Mapped[int] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    above_grid: Mapped[int] = mapped_column(Integer)
    escalated: Mapped[int] = mapped_column(Integer)
    reworked: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[int] = mapped_column(Integer)
    escalations: Mapped[int] = mapped_column(Integer)
    breaches: Mapped[int] = mapped_column(Integer)
    reworks: Mapped[int] = mapped_column(Integer)
    reopens: Mapped[int] = mapped_column(Integer)
    hours_to_accept: Mapped[float | None] = mapped_column(Float)
    hours_to_close: Mapped[float | None] = mapped_column(Float)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_day: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        Index("ix_stats_case_city_day", "city_code", "received_day"),
        Index("ix_stats_case_county_day", "county_code", "received_day"),
        Index("ix_stats_case_town_day", "town_code", "received_day"),
        Index("ix_stats_case_village_day", "village_code", "received_day"),
        Index("ix_stats_case_city_close_day", "city_code", "close_day"),
        Index("ix_stats_case_county_close_day", "county_code", "close_day"),
        Index("ix_stats_case_town_close_day", "town_code", "close_day"),
        Index("ix_stats_case_village_close_day", "village_code", "close_day"),
    )


class StatsDay(Base):
    """The daily rollup of stats_case for the city and county figures (app/dashboards/stats/rollup.py).

    For each region at the city or county level, day and sensitivity, one row per child region
    (`part` "child", `key` the child's code, "" when a case names none) and one per category (`part`
    "category"). Counters of cases (reports … close_hours_n) sit on the row of the day each case was
    received; `closed_on_day` on the row of the day it closed. Kept by the listener that writes
    stats_case, in the same transaction, as the difference between a case's old and new facts.
    """

    __tablename__ = "stats_day"

    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    part: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sensitive: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    reports: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    finalized: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[int] = mapped_column(Integer, default=0)
    above_grid: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[int] = mapped_column(Integer, default=0)
    reworked: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    breaches: Mapped[int] = mapped_column(Integer, default=0)
    reworks: Mapped[int] = mapped_column(Integer, default=0)
    reopens: Mapped[int] = mapped_column(Integer, default=0)
    patrol_reports: Mapped[int] = mapped_column(Integer, default=0)
    accept_hours_sum: Mapped[float] = mapped_column(Float, default=0.0)
    accept_hours_n: Mapped[int] = mapped_column(Integer, default=0)
    close_hours_sum: Mapped[float] = mapped_column(Float, default=0.0)
    close_hours_n: Mapped[int] = mapped_column(Integer, default=0)
    closed_on_day: Mapped[int] = mapped_column(Integer, default=0)
