"""Reads: attachments are visible exactly when their report is."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.scope import Scope
from app.core.errors import NotFound
from app.core.ids import parse_id
from app.media.schemas import AttachmentRole, AttachmentSummary
from app.models import Attachment, AttachmentExpectation, MediaBlob, Report

AttachmentRow = tuple[Attachment, MediaBlob]


async def get_attachment(session: AsyncSession, scope: Scope, attachment_id: str) -> AttachmentRow:
    """The attachment and its blob if the caller may read its report; 404 otherwise."""
    stmt = (
        select(Attachment, MediaBlob)
        .join(MediaBlob, MediaBlob.sha256 == Attachment.sha256)
        .join(Report, Report.id == Attachment.report_id)
        .where(Attachment.id == parse_id(attachment_id, "attachment"), scope.readable_clause())
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound("no such attachment")
    return row[0], row[1]


async def find_attachment(
    session: AsyncSession,
    report_id: int,
    *,
    role: str | None = None,
    sha256: str | None = None,
    client_id: str | None = None,
) -> AttachmentRow | None:
    """The report's attachment with these bytes in this role, or with this client id."""
    stmt = select(Attachment, MediaBlob).join(MediaBlob, MediaBlob.sha256 == Attachment.sha256)
    stmt = stmt.where(Attachment.report_id == report_id)
    if client_id is not None:
        stmt = stmt.where(Attachment.client_id == client_id)
    else:
        stmt = stmt.where(Attachment.role == role, Attachment.sha256 == sha256)
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def list_attachments(session: AsyncSession, report_id: int) -> Sequence[tuple[Attachment, MediaBlob]]:
    """Every attachment of a report (all roles), oldest first. The caller has checked the scope."""
    stmt = (
        select(Attachment, MediaBlob)
        .join(MediaBlob, MediaBlob.sha256 == Attachment.sha256)
        .where(Attachment.report_id == report_id)
        .order_by(Attachment.id)
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def attachment_summary(session: AsyncSession, report_id: int) -> AttachmentSummary:
    """{expected, received, missing} for the report's own photos (role `report`); for the report body.

    Result and verify photos are not counted: the submitter declares only what they send."""
    received_ids = (
        (
            await session.execute(
                select(Attachment.client_id).where(
                    Attachment.report_id == report_id, Attachment.role == AttachmentRole.REPORT.value
                )
            )
        )
        .scalars()
        .all()
    )
    expectation = await session.get(AttachmentExpectation, report_id, populate_existing=True)
    return summarise(expectation, list(received_ids))


def summarise(expectation: AttachmentExpectation | None, received_client_ids: list[str | None]) -> AttachmentSummary:
    received = len(received_client_ids)
    if expectation is None:
        return AttachmentSummary(expected=None, received=received, missing=0)
    if expectation.client_ids is not None:
        have = set(received_client_ids)
        missing_ids = [c for c in expectation.client_ids if c not in have]
        return AttachmentSummary(
            expected=expectation.count, received=received, missing=len(missing_ids), missing_client_ids=missing_ids
        )
    return AttachmentSummary(
        expected=expectation.count, received=received, missing=max(expectation.count - received, 0)
    )
