"""Regions (the administrative tree) and grids (the patrolled polygons)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, UTCDateTime


class Region(Base):
    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10), index=True)  # city | county | town | village
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Grid(Base):
    __tablename__ = "grid"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(15), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # comprehensive | dedicated
    households: Mapped[int | None] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)  # the village
    town_code: Mapped[str] = mapped_column(String(12), index=True)
    county_code: Mapped[str] = mapped_column(String(12), index=True)
    city_code: Mapped[str] = mapped_column(String(12), index=True)
    boundary: Mapped[dict[str, Any]] = mapped_column(JSON)  # GeoJSON Polygon/MultiPolygon, WGS-84
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GridRevision(Base):
    """One row whose counter grows whenever any grid changes; in-memory locators compare against it."""

    __tablename__ = "grid_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
