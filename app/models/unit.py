"""Handling units (职能部门, 非诉讼服务中心): the departments, mediation centres and utilities a centre dispatches
cases to, so that their own members start, resolve or return them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, UTCDateTime


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # department | mediation_centre | utility | other
    # The region whose centres may dispatch to it: its own centre and every centre inside it.
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
