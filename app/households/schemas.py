"""Wire shapes of the household roster."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from app.core.schemas import Schema, Text
from app.geo.schemas import LocationRead


class HouseholdRead(Schema):
    id: str
    grid_code: str
    village_code: str
    town_code: str
    address: str
    head_name: str | None = Field(description="masked (张**) except to admins; reveal with POST …/contact")
    phone: str | None = Field(description="masked (138****5678) except to admins")
    members: int
    tags: list[str] = Field(description="tag codes; sensitive ones only for users cleared for them")
    location: LocationRead | None


class HouseholdContact(Schema):
    """The unmasked name and phone; every reveal is written to the household's audit."""

    id: str
    head_name: str | None
    phone: str | None


class AuditEntry(Schema):
    actor: str
    action: str
    at: datetime


class ImportProblem(Schema):
    row: int | None = Field(description="the spreadsheet row (the header is row 1); null for the whole file")
    column: str | None
    message: str


class ImportAnswer(Schema):
    imported: int
    errors: list[ImportProblem]


class TagRead(Schema):
    code: str
    name: str
    sensitive: bool


class TagCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": "veteran", "name": "退役军人", "sensitive": False}]}
    )

    code: Text = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    name: Text = Field(min_length=1, max_length=50)
    sensitive: bool = False
