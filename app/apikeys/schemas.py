"""Wire shapes of API keys."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from app.core.schemas import Schema
from app.geo.schemas import RegionCode


class ApiKeyCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "FixMyStreet Chongchuan", "region_code": "320602000000"}]},
    )

    name: str = Field(min_length=1, max_length=100, description="who holds the key")
    region_code: RegionCode = Field(description="the region the key's requests land in (a town, county or city)")


class ApiKeyRead(Schema):
    id: str
    name: str
    prefix: str = Field(description="the key's first characters: enough to recognise it, not to use it")
    region_code: str
    principal: str = Field(description="the name the key's submissions and timeline entries carry")
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="the key itself: shown once, stored only as a hash")
