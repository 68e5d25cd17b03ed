"""One rule for returned times: every time a wire model holds is UTC and is written with `Z`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.core.schemas import Schema, iso_utc
from app.patrols.schemas import PatrolRead, PointCounts

SHANGHAI = timezone(timedelta(hours=8))


class _Times(Schema):
    at: datetime
    maybe: datetime | None = None


@pytest.mark.parametrize(
    "given",
    [
        datetime(2026, 11, 28, 9, 40, tzinfo=SHANGHAI),
        datetime(2026, 11, 28, 1, 40, tzinfo=UTC),
        datetime(2026, 11, 28, 1, 40),  # naive, as SQLite hands a datetime back: taken as UTC
    ],
)
def test_a_time_is_answered_in_utc_with_z(given: datetime) -> None:
    dumped = _Times(at=given, maybe=given).model_dump(mode="json")
    assert dumped == {"at": "2026-11-28T01:40:00Z", "maybe": "2026-11-28T01:40:00Z"}


def test_a_response_model_holds_utc_whatever_offset_it_was_built_with() -> None:
    read = PatrolRead(
        id="1", client_id="p", worker="w", grid_code="320602100201001",
        started_at=datetime(2026, 11, 28, 9, 0, tzinfo=SHANGHAI),
        ended_at=datetime(2026, 11, 28, 9, 40, tzinfo=SHANGHAI),
        status="ended", day=datetime(2026, 11, 28).date(), minutes_in_grid=0, distance_m=0, coverage=0,
        points=PointCounts(accepted=0, counted=0, rejected=0),
    )  # fmt: skip
    assert read.model_dump(mode="json")["started_at"] == "2026-11-28T01:00:00Z"
    assert read.model_dump(mode="json")["ended_at"] == "2026-11-28T01:40:00Z"
    assert read.day.isoformat() == "2026-11-28"  # a date stays a date


def test_a_time_outside_a_model_is_written_the_same_way() -> None:
    assert iso_utc(datetime(2026, 11, 28, 9, 40, 5, tzinfo=SHANGHAI)) == "2026-11-28T01:40:05Z"
