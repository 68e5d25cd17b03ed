"""Wire shapes of handling units: the directory, a unit's queue and its figures."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from app.core.schemas import Schema

UnitCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,32}$")]
UnitName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]


class UnitKind(StrEnum):
    DEPARTMENT = "department"  # 职能部门: works office, fire brigade, market supervision, …
    MEDIATION_CENTRE = "mediation_centre"  # 非诉讼服务中心 / 调解中心: resolves with a mediation outcome
    UTILITY = "utility"  # a public utility or enterprise: water, power, gas
    OTHER = "other"


class UnitCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "320602100-works",
                    "name": "城东街道城建办",
                    "kind": "department",
                    "region_code": "320602100000",
                }
            ]
        },
    )

    code: UnitCode = Field(description="letters, digits, `_ . -`; unique and never reused")
    name: UnitName
    kind: UnitKind
    region_code: RegionCode = Field(description="the region whose centres may dispatch to it (its own, those inside)")


class UnitUpdate(Schema):
    """Fields that may change; omitted fields stay as they are. A unit is never deleted, only deactivated."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"active": False}]})

    name: UnitName | None = None
    kind: UnitKind | None = None
    active: bool | None = None


class UnitRead(Schema):
    code: str
    name: str
    kind: UnitKind
    region_code: str
    active: bool
    created_at: datetime
    updated_at: datetime


class UnitFigures(Schema):
    """One unit's figures over local days `from`..`to` (docs/metrics.md, "Handling units")."""

    model_config = ConfigDict(populate_by_name=True)

    unit: UnitRead
    from_: date = Field(alias="from")
    to: date
    received: int = Field(description="dispatches to the unit")
    resolved: int = Field(description="resolutions of the unit's cases (by the unit or its centre)")
    resolved_on_time: int
    on_time_rate: float | None
    rework: int = Field(description="failed verifications of the unit's resolutions (返工)")
    rework_rate: float | None
    returns: int = Field(description="cases the unit returned (退回)")
    return_rate: float | None
    extensions_requested: int
    extensions_granted: int
    extensions_refused: int
    open_now: int = Field(description="cases dispatched to the unit and not yet resolved, now")


class UnitFiguresList(Schema):
    model_config = ConfigDict(populate_by_name=True)

    region_code: str
    from_: date = Field(alias="from")
    to: date
    items: list[UnitFigures]
