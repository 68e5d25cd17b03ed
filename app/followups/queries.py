"""Reads of a person's follow-ups, as a delta ordered by change number."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import decode_cursor
from app.models import FollowUp, Report


def _key(cursor: str) -> tuple[int, int]:
    change, followup_id = decode_cursor(cursor, (int, int), field="since")
    return change, followup_id


async def list_my_followups(
    session: AsyncSession, assignee_id: int, since: str | None, limit: int
) -> tuple[Sequence[Row[FollowUp, Report]], tuple[int, int], bool]:
    """(rows of (follow-up, report), the new watermark, whether more changes wait).

    Without `since`: the open ones, and a watermark past every change so far. With `since`: every
    follow-up that changed after it (opened, done or cancelled), oldest change first.
    """
    mine = select(FollowUp, Report).join(Report, Report.id == FollowUp.report_id)
    mine = mine.where(FollowUp.assignee_id == assignee_id)
    order = (FollowUp.change_seq, FollowUp.id)
    if since is None:
        rows = (await session.execute(mine.where(FollowUp.status == "open").order_by(*order).limit(limit))).all()
        newest = (await session.execute(
            select(*order).where(FollowUp.assignee_id == assignee_id)
            .order_by(FollowUp.change_seq.desc(), FollowUp.id.desc())
        )).first()  # fmt: skip
        return rows, ((newest[0], newest[1]) if newest else (0, 0)), False
    watermark = _key(since)
    change, followup_id = watermark
    after = or_(FollowUp.change_seq > change, and_(FollowUp.change_seq == change, FollowUp.id > followup_id))
    rows = (await session.execute(mine.where(after).order_by(*order).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        watermark = (rows[-1][0].change_seq, rows[-1][0].id)
    return rows, watermark, more
