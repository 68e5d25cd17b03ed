"""Photo tests: the report world, the media router mounted, and helpers to upload and inspect."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.models import Attachment, MediaBlob
from tests.worlds import World, report_body, world  # noqa: F401  (the world fixture)

API = "/api/v1"


@dataclass
class Phone:
    """Uploads as one user of the world."""

    client: httpx.AsyncClient
    world: World

    async def report(self, who: str = "worker_a", n: int = 1, *, expect: int = 201) -> str:
        body = report_body(client_id=f"uuid:report-{who}-{n}", description=f"Straw pile number {n}")
        r = await self.client.post(f"{API}/reports", json=body, headers=self.world[who])
        assert r.status_code == expect, r.text
        return str(r.json()["id"])

    async def upload(
        self,
        report_id: str,
        data: bytes,
        *,
        who: str = "worker_a",
        filename: str = "photo.jpg",
        content_type: str = "image/jpeg",
        role: str | None = None,
        client_id: str | None = None,
    ) -> httpx.Response:
        form: dict[str, Any] = {}
        if role is not None:
            form["role"] = role
        if client_id is not None:
            form["client_id"] = client_id
        return await self.client.post(
            f"{API}/reports/{report_id}/attachments",
            files={"file": (filename, data, content_type)},
            data=form,
            headers=self.world[who],
        )

    async def get(self, path: str, who: str = "worker_a") -> httpx.Response:
        return await self.client.get(API + path, headers=self.world[who])


@pytest.fixture
def phone(client: httpx.AsyncClient, world: World) -> Phone:  # noqa: F811
    return Phone(client, world)


def media_files(settings: Settings) -> list[Path]:
    """Every file in the media store, the temporary upload area included."""
    root = settings.resolved_media_dir()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def count_rows(session: AsyncSession) -> tuple[int, int]:
    """(attachments, blobs)."""
    attachments = await session.scalar(select(func.count()).select_from(Attachment))
    blobs = await session.scalar(select(func.count()).select_from(MediaBlob))
    return int(attachments or 0), int(blobs or 0)


def assert_problem(r: httpx.Response, status: int, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == field, r.json()
