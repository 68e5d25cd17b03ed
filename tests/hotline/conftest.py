"""Hotline tests: the report world, an app whose default platform 12345 has a secret, signed calls."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.hotline import signing
from app.models import HotlineSignature, HotlineTicket, Report
from tests import factories as f
from tests.worlds import world  # noqa: F401

SECRET = "hotline-test-secret-0123456789"
CALLBACK = "http://127.0.0.1:9/callback"  # nothing listens: tests that deliver start their own receiver


@pytest.fixture
async def app(make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app(hotline_secret=SecretStr(SECRET), hotline_callback_url=CALLBACK, jobs_enabled=False)


def ticket(no: str = "GD20261128000001", **overrides: Any) -> dict[str, Any]:
    """A ticket placed by village A's code, received an hour before the test clock."""
    body: dict[str, Any] = {
        "ticket_no": no,
        "received_at": "2026-11-28T09:00:00+08:00",
        "content": "市民反映村口路灯连续三晚不亮",
        "category": "infrastructure.other",
        "region_code": f.VILLAGE_A,
        "caller_phone": "13812345678",
        "urgency": "normal",
    }
    body.update(overrides)
    return body


def signed(app: FastAPI, body: Any, *, secret: str = SECRET, platform: str | None = None,
           skew_s: int = 0) -> tuple[bytes, dict[str, str]]:  # fmt: skip
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    ts = int(app.state.clock.now().timestamp()) + skew_s
    headers = signing.headers(secret, ts, raw)
    if platform:
        headers["X-Hotline-Platform"] = platform
    return raw, headers


async def post_signed(client: httpx.AsyncClient, app: FastAPI, path: str, body: Any, **kw: Any) -> httpx.Response:
    raw, headers = signed(app, body, **kw)
    return await client.post(path, content=raw, headers=headers)


async def counts(session: AsyncSession) -> tuple[int, int, int]:
    """(reports, tickets, remembered signatures)"""
    return tuple([  # type: ignore[return-value]
        int(await session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (Report, HotlineTicket, HotlineSignature)
    ])  # fmt: skip
