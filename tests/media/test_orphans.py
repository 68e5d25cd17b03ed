"""Files no blob row refers to are collected by a job, once nobody has written or reused them for an hour."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from app.core.config import Settings
from app.core.jobs import JobContext
from app.media import jobs, service
from app.media.storage import Kind, MediaStore
from tests.media import images
from tests.media.conftest import Phone, media_files


def age(path: Path, clock: ManualClock, by: timedelta) -> None:
    when = (clock.now() - by).timestamp()
    os.utime(path, (when, when))


async def collect(app: FastAPI, clock: ManualClock) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await jobs.collect_orphans(JobContext(session, clock.now(), app.state.settings, job_id=0, attempt=1), {})


class TestCollectOrphans:
    async def test_old_unreferenced_files_go_and_everything_else_stays(
        self, app: FastAPI, phone: Phone, settings: Settings, clock: ManualClock
    ) -> None:
        report_id = await phone.report()
        assert (await phone.upload(report_id, images.jpeg())).status_code == 201
        kept = media_files(settings)
        assert len(kept) == 3  # original, served copy, thumbnail
        store = MediaStore(settings.resolved_media_dir())
        store.put("ab" * 32, Kind.ORIGINAL, b"left behind by a failed commit")
        store.put("cd" * 32, Kind.ORIGINAL, b"written a minute ago")
        leftover = settings.resolved_media_dir() / "tmp" / "interrupted-upload"
        leftover.write_bytes(b"partial")
        for path in [*kept, store.path("ab" * 32), leftover]:
            age(path, clock, timedelta(hours=2))
        age(store.path("cd" * 32), clock, timedelta(minutes=1))

        await collect(app, clock)

        assert media_files(settings) == sorted([*kept, store.path("cd" * 32)])

    async def test_a_failed_upload_leaves_its_files_for_the_collector_not_deleted_in_the_request(
        self, app: FastAPI, phone: Phone, session: AsyncSession, settings: Settings, clock: ManualClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:  # fmt: skip
        report_id = await phone.report()

        async def fail(*args: object, **kwargs: object) -> None:
            raise RuntimeError("the database went away")

        monkeypatch.setattr(service, "_insert_attachment", fail)
        assert (await phone.upload(report_id, images.jpeg())).status_code == 500
        stored = media_files(settings)
        assert len(stored) == 3  # a concurrent upload of the same bytes may be recording these right now
        await collect(app, clock)
        assert media_files(settings) == stored  # too fresh to collect
        for path in stored:
            age(path, clock, timedelta(hours=2))
        await collect(app, clock)
        assert media_files(settings) == []  # no blob row was committed: they were orphans
