"""Wire shapes of the accounts domain: sign-in, tokens and users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from app.accounts.actor import Level, Role
from app.core.schemas import Schema
from app.models import Region, User

Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
NewUsername = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
]
# Sign-in accepts any password up to a bound (argon2 work must not be unbounded); creation needs 8+.
LoginPassword = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
NewPassword = Annotated[str, StringConstraints(min_length=8, max_length=256)]
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
UnitCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,32}$")]
GridCode = Annotated[str, StringConstraints(pattern=r"^\d{15}$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 -]{4,30}$")]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class TokenRequest(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"username": "town_op", "password": "s3cret-pass"}]})

    username: Username
    password: LoginPassword


class RefreshRequest(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"refresh_token": "q7Jd…opaque…Xw"}]})

    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=512)]


class TokenPair(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…",
                    "refresh_token": "q7Jd…opaque…Xw",
                    "token_type": "bearer",
                    "expires_in": 900,
                }
            ]
        }
    )

    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")


class UserCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "chongchuan_town",
                    "password": "long-enough-pass",
                    "role": "operator",
                    "region_code": "320602100000",
                    "display_name": "崇川镇指挥中心",
                },
                {
                    "username": "wang_wei",
                    "password": "long-enough-pass",
                    "role": "grid_worker",
                    "grid_code": "320602100201001",
                    "phone": "13812345678",
                },
            ]
        },
    )

    username: NewUsername
    password: NewPassword
    role: Role
    region_code: RegionCode | None = None
    grid_code: GridCode | None = None
    unit_code: UnitCode | None = Field(default=None, description="a unit member's handling unit")
    sensitive_clearance: bool = False
    display_name: DisplayName | None = None
    phone: Phone | None = None


class UserUpdate(Schema):
    """Fields an admin may change; omitted fields stay as they are."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"active": False}]})

    active: bool | None = None
    sensitive_clearance: bool | None = None
    display_name: DisplayName | None = None
    phone: Phone | None = None


class RegionRef(Schema):
    code: str
    name: str
    level: Level


class UserRead(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "7",
                    "username": "chongchuan_town",
                    "role": "operator",
                    "display_name": "崇川镇指挥中心",
                    "phone": None,
                    "region": {"code": "320602100000", "name": "崇川镇", "level": "town"},
                    "grid_code": None,
                    "tier": "town",
                    "sensitive_clearance": False,
                    "active": True,
                    "created_at": "2026-11-28T10:00:00+08:00",
                }
            ]
        }
    )

    id: str
    username: str
    role: Role
    display_name: str | None
    phone: str | None
    region: RegionRef | None
    grid_code: str | None
    unit_code: str | None = Field(default=None, description="a unit member's handling unit")
    tier: str | None = Field(description="an operator's command tier (its region's level); null for other roles")
    sensitive_clearance: bool
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User, *, region: Region | None, grid_code: str | None, unit_code: str | None = None) -> UserRead:
        ref = RegionRef(code=region.code, name=region.name, level=Level(region.level)) if region else None
        tier = region.level if region is not None and user.role == Role.OPERATOR else None
        return cls(
            id=str(user.id),
            username=user.username,
            role=Role(user.role),
            display_name=user.display_name,
            phone=user.phone,
            region=ref,
            grid_code=grid_code,
            unit_code=unit_code,
            tier=tier,
            sensitive_clearance=user.sensitive_clearance,
            active=user.active,
            created_at=user.created_at,
        )
