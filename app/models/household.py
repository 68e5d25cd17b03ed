"""The household roster (户) of each grid, its managed tag list, and the audit of revealed contacts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, UTCDateTime


class HouseholdTag(Base):
    """A tag of the managed list (elderly_alone 独居老人 …); sensitive ones only cleared users see."""

    __tablename__ = "household_tag"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)  # the Chinese name offices use
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)


class Household(Base):
    __tablename__ = "household"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    grid_code: Mapped[str] = mapped_column(String(15))
    village_code: Mapped[str] = mapped_column(String(12))
    town_code: Mapped[str] = mapped_column(String(12), index=True)
    county_code: Mapped[str] = mapped_column(String(12), index=True)
    city_code: Mapped[str] = mapped_column(String(12))
    address: Mapped[str] = mapped_column(String(200))  # 门牌地址
    head_name: Mapped[str | None] = mapped_column(String(100))  # 户主 (personal data)
    phone: Mapped[str | None] = mapped_column(String(32))  # personal data
    members: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)  # WGS-84
    lon: Mapped[float | None] = mapped_column(Float)
    raw_lat: Mapped[float | None] = mapped_column(Float)
    raw_lon: Mapped[float | None] = mapped_column(Float)
    raw_crs: Mapped[str | None] = mapped_column(String(8))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)  # carries a sensitive tag
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("grid_id", "address"),)


class HouseholdTagLink(Base):
    __tablename__ = "household_tag_link"

    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), primary_key=True)
    tag_code: Mapped[str] = mapped_column(ForeignKey("household_tag.code"), primary_key=True)

    __table_args__ = (Index("ix_household_tag_link_tag_code", "tag_code", "household_id"),)


class HouseholdAudit(Base):
    """Append-only: who revealed a household's name or phone, and when (like the hotline caller's)."""

    __tablename__ = "household_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # reveal_contact
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class GridRoster(Base):
    """How many households a grid's roster holds, kept by the roster import (progress reads it, not the roster)."""

    __tablename__ = "grid_roster"

    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), primary_key=True)
    households: Mapped[int] = mapped_column(Integer)
