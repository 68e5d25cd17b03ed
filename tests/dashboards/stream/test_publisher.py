"""Only committed changes are published: a rolled-back savepoint (a refused batch item) or a
rolled-back transaction sends nothing; the committed rest goes out once, after the commit."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from fastapi import FastAPI

from app.dashboards.stream import publisher
from app.dashboards.stream.events import StreamEvent
from app.dashboards.stream.hub import LocalHub
from app.reports.effects import Change, Listeners
from app.reports.states import Status
from app.reports.workflow import Effects
from app.routing.tiers import Tier
from tests.dashboards.stream.test_stream import submit
from tests.factories import NOW, World


class RecordingHub(LocalHub):
    def __init__(self) -> None:
        super().__init__(queue_size=8)
        self.published: list[list[int]] = []

    def publish(self, events: Sequence[StreamEvent]) -> None:
        self.published.append([e.id for e in events])


def change(report_id: int, entry_id: int) -> Change:
    return Change(
        report_id=report_id, action="comment", actor=None, at=NOW, seq=2, entry_id=entry_id,
        from_status=Status.REPORTED, to_status=Status.REPORTED, from_tier=Tier.TOWN, to_tier=Tier.TOWN,
        centre_code=None, unit=None, grid_id=None, submitter_id=1, source="patrol", note=None, given={},
        effects=Effects(),
    )  # fmt: skip


async def test_what_rolls_back_is_never_published(app: FastAPI, client: httpx.AsyncClient, world: World) -> None:
    case_id = int((await submit(client, world))["id"])
    hub = RecordingHub()
    listeners = Listeners()
    publisher.register(listeners, hub)
    async with app.state.sessionmaker() as session:
        await listeners.notify(session, change(case_id, 101))
        nested = await session.begin_nested()
        await listeners.notify(session, change(case_id, 102))
        await nested.rollback()  # a refused batch item
        nested = await session.begin_nested()
        await listeners.notify(session, change(case_id, 103))
        await nested.commit()
        assert hub.published == []  # nothing before the commit
        await session.commit()
    assert hub.published == [[101, 103]]
    async with app.state.sessionmaker() as session:
        await listeners.notify(session, change(case_id, 104))
        await session.rollback()
        await session.commit()
    assert hub.published == [[101, 103]]
