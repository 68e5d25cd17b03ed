"""Photos a client uploads with `POST requests` (FixMyStreet sends `photo1`, `photo2`… as multipart
files): kept as `report` attachments of the new case through the media service, and served at
`/open311/v2/media/{attachment_id}` (the re-encoded copy without EXIF or GPS) for public cases.

The multipart form is read strictly: a field that is not UTF-8 text is refused (400), where the
lenient parser would read it as Latin-1. Photos are decoded before the case is made, holding no
transaction, so a refused photo leaves nothing behind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.accounts.actor import Actor
from app.core.schemas import check_text
from app.media import service as media
from app.media.router import MULTIPART_OVERHEAD, image_limits, media_store
from app.media.schemas import AttachmentRole
from app.models import Attachment
from app.open311.errors import Open311Error

MAX_PHOTOS = 3
MEDIA_PATH = "media/{}"
REQUESTS_PATH = re.compile(r"^/open311/v2/requests\.[a-z]+$")


def body_limit(max_upload_bytes: int) -> int:
    """The body a `POST requests` with its photos may have (the body-limit middleware allows it)."""
    return MAX_PHOTOS * max_upload_bytes + MULTIPART_OVERHEAD


class _StrictParser(MultiPartParser):
    def on_part_end(self) -> None:
        part = self._current_part
        if part.file is None:
            try:
                bytes(part.data).decode("utf-8")
            except UnicodeDecodeError:
                raise MultiPartException(f"form field {part.field_name!r} is not UTF-8 text") from None
        super().on_part_end()


async def read_multipart(request: Request, max_fields: int) -> FormData:
    """The form, its files spooled; the caller closes it. Malformed or too many parts: 400."""
    parser = _StrictParser(request.headers, request.stream(), max_files=MAX_PHOTOS, max_fields=max_fields)
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise Open311Error(exc.message, field="body") from None


async def receive(request: Request, files: Sequence[UploadFile]) -> list[media.Received]:
    """Each photo spooled and decoded (413 too large, 422 not an image, 503 too busy); none kept on refusal."""
    settings = request.app.state.settings
    store, images, tz = media_store(settings), image_limits(request, settings), ZoneInfo(settings.timezone)
    received: list[media.Received] = []
    try:
        for file in files:
            upload = media.Upload(source=file, role=AttachmentRole.REPORT, client_id=None, filename=_name(file))
            received.append(
                await media.receive(store, upload, max_bytes=settings.max_upload_bytes, images=images, local_tz=tz)
            )
    except BaseException:
        discard(request, received)
        raise
    return received


async def attach(
    session: AsyncSession, request: Request, actor: Actor, report_id: int, received: Sequence[media.Received]
) -> None:
    store, now = media_store(request.app.state.settings), request.app.state.clock.now()
    for photo in received:
        await media.attach_received(session, store, actor, report_id, photo, now)


def discard(request: Request, received: Sequence[media.Received]) -> None:
    store = media_store(request.app.state.settings)
    for photo in received:
        store.discard(photo.spooled)


async def photo_ids(session: AsyncSession, report_ids: list[int]) -> dict[int, list[int]]:
    """The ids of each case's report photos, oldest first."""
    rows = await session.execute(
        select(Attachment.report_id, Attachment.id)
        .where(Attachment.report_id.in_(report_ids), Attachment.role == AttachmentRole.REPORT.value)
        .order_by(Attachment.id)
    )
    found: dict[int, list[int]] = {}
    for report_id, attachment_id in rows.all():
        found.setdefault(report_id, []).append(attachment_id)
    return found


def _name(file: UploadFile) -> str | None:
    try:
        return check_text(file.filename)[:255] if file.filename else None
    except ValueError as exc:
        raise Open311Error(f"the file name {exc}", field="media") from None
