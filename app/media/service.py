"""Writes: attach a photo to a report, declare how many are expected. Services flush, never commit.

Replay rules (a phone that lost the response sends the same request again; core.idempotency):
- the same bytes in the same role of the same report answer the existing attachment (created=False);
- the same client_id with other bytes or another role is a 409 naming `client_id`;
- the same bytes on another report add a row but share the stored file.

Refusals (403, 409, 413, 422) leave no row and no file: the upload is received into a temporary
file that is deleted, and files this request put in place are removed if anything fails after.

Decoding is bounded (ImageLimits, render.py): too many pixels are refused from the header (413),
decodes run in worker threads within a budget of pixels at once (503 with Retry-After past the
wait), and `attach` ends the caller's transaction, which must hold only reads, before it decodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import partial

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Role
from app.core.db import dialect_insert
from app.core.errors import Forbidden, Invalid, PayloadTooLarge
from app.core.idempotency import Replay, create_or_replay
from app.core.slots import Slots
from app.media import queries, render
from app.media.queries import AttachmentRow
from app.media.schemas import AttachmentRole, AttachmentSummary, ExpectedAttachments
from app.media.sniff import HEAD_BYTES, sniff
from app.media.storage import Kind, MediaStore, Readable, Spooled, TooLarge
from app.models import Attachment, AttachmentExpectation, MediaBlob, Report


@dataclass(frozen=True)
class Upload:
    source: Readable
    role: AttachmentRole
    client_id: str | None
    filename: str | None


@dataclass(frozen=True)
class ImageLimits:
    """Bounds on decoding: pixels admitted, the served copy's long side, pixels decoded at once (`decodes`)."""

    max_pixels: int
    served_px: int
    decodes: Slots


def check_may_attach(actor: Actor, report: Report, role: AttachmentRole) -> None:
    """Anyone who sees the report may add report photos; result and verify photos come from the
    operators of the centre now holding the case or from the grid's own worker."""
    if role is AttachmentRole.REPORT:
        return
    centre = actor.role is Role.OPERATOR and actor.region_code is not None and actor.region_code == report.centre_code
    worker = actor.role is Role.GRID_WORKER and actor.grid_id == report.grid_id
    if not (centre or worker):
        raise Forbidden(f"{role.value} photos come from the current centre or the grid's worker", field="role")


async def attach(
    session: AsyncSession,
    store: MediaStore,
    actor: Actor,
    report: Report,
    upload: Upload,
    *,
    max_bytes: int,
    images: ImageLimits,
    local_tz: tzinfo,
    now: datetime,
) -> Replay[AttachmentRow]:
    check_may_attach(actor, report, upload.role)
    try:
        spooled = await store.spool(upload.source, max_bytes, HEAD_BYTES)
    except TooLarge:
        raise PayloadTooLarge(f"the file is larger than {max_bytes} bytes", field="file", max_bytes=max_bytes) from None
    # Stored files are never deleted here, even if this request fails: another upload of the same
    # bytes may be recording them right now. Files no blob row refers to are collected later
    # (media.collect_orphans), once they have not been written or reused for an hour.
    try:
        return await _attach_spooled(session, store, actor, report, upload, spooled, images, local_tz, now)
    finally:
        store.discard(spooled)


async def _attach_spooled(
    session: AsyncSession,
    store: MediaStore,
    actor: Actor,
    report: Report,
    upload: Upload,
    spooled: Spooled,
    images: ImageLimits,
    local_tz: tzinfo,
    now: datetime,
) -> Replay[AttachmentRow]:
    if spooled.size == 0:
        raise Invalid("the file is empty", field="file")
    content_type = sniff(spooled.head)
    if content_type is None:
        raise Invalid("the file is not a JPEG, PNG or WebP image", field="file")

    report_id = report.id  # read now: a rollback before decoding expires the ORM object

    async def find() -> AttachmentRow | None:
        """The attachment this upload already made: by its client_id, else by these bytes in this role."""
        if upload.client_id is not None:
            by_client = await queries.find_attachment(session, report_id, client_id=upload.client_id)
            if by_client is not None:
                return by_client
        return await queries.find_attachment(session, report_id, role=upload.role.value, sha256=spooled.sha256)

    async def create() -> AttachmentRow | None:
        blob = await session.get(MediaBlob, spooled.sha256)
        if blob is None:
            # Nothing is written yet: end the read so the decode holds no pooled connection (nor,
            # on SQLite, the write lock every other request waits for). The next statement begins anew.
            await session.rollback()
            done = await _decode(spooled, content_type, images, local_tz)
            blob = await _store_blob(session, store, spooled, content_type, done, now)
        return await _insert_attachment(session, actor, report_id, upload, blob, now)

    return await create_or_replay(
        find=find, create=create,
        same=lambda row: row[0].sha256 == spooled.sha256 and row[0].role == upload.role.value,
        conflict="an attachment with this client_id already exists with other bytes or another role",
    )  # fmt: skip


@dataclass(frozen=True)
class Received:
    """A photo spooled and decoded before the report it belongs to exists (receive, then attach_received)."""

    upload: Upload
    spooled: Spooled
    content_type: str
    processed: render.Processed


async def receive(
    store: MediaStore, upload: Upload, *, max_bytes: int, images: ImageLimits, local_tz: tzinfo
) -> Received:
    """Spool, sniff and decode an upload, holding no transaction: the caller ends its own first.
    Refusals are those of `attach` (413, 422, 503); the caller `store.discard`s `received.spooled`."""
    try:
        spooled = await store.spool(upload.source, max_bytes, HEAD_BYTES)
    except TooLarge:
        raise PayloadTooLarge(f"the file is larger than {max_bytes} bytes", field="file", max_bytes=max_bytes) from None
    try:
        if spooled.size == 0:
            raise Invalid("the file is empty", field="file")
        content_type = sniff(spooled.head)
        if content_type is None:
            raise Invalid("the file is not a JPEG, PNG or WebP image", field="file")
        return Received(upload, spooled, content_type, await _decode(spooled, content_type, images, local_tz))
    except BaseException:
        store.discard(spooled)
        raise


async def attach_received(
    session: AsyncSession, store: MediaStore, actor: Actor, report_id: int, received: Received, now: datetime
) -> AttachmentRow | None:
    """The attachment of a received photo (None: these bytes are attached in this role already)."""
    spooled = received.spooled
    blob = await session.get(MediaBlob, spooled.sha256)
    if blob is None:
        blob = await _store_blob(session, store, spooled, received.content_type, received.processed, now)
    return await _insert_attachment(session, actor, report_id, received.upload, blob, now)


async def _decode(spooled: Spooled, content_type: str, images: ImageLimits, local_tz: tzinfo) -> render.Processed:
    """Refuse too many pixels from the header, then decode in a worker thread within the pixel budget."""
    try:
        width, height = await anyio.to_thread.run_sync(render.probe, spooled.path, content_type, images.max_pixels)
        async with images.decodes.hold(width * height):
            process = partial(render.process, max_pixels=images.max_pixels, served_px=images.served_px)
            return await anyio.to_thread.run_sync(process, spooled.path, content_type, local_tz)
    except render.TooManyPixels as exc:
        raise PayloadTooLarge(str(exc), field="file", max_pixels=exc.max_pixels) from None
    except render.UndecodableImage as exc:
        raise Invalid(str(exc), field="file") from None


async def _store_blob(
    session: AsyncSession,
    store: MediaStore,
    spooled: Spooled,
    content_type: str,
    done: render.Processed,
    now: datetime,
) -> MediaBlob:
    sha = spooled.sha256
    for kind, data in ((Kind.SERVED, done.served.data), (Kind.THUMBNAIL, done.thumbnail.data)):
        store.put(sha, kind, data)
    store.adopt(spooled)
    values = {
        "sha256": sha,
        "content_type": content_type,
        "size": spooled.size,
        "width": done.width,
        "height": done.height,
        "served_type": done.served.content_type,
        "thumbnail_type": done.thumbnail.content_type,
        "taken_at": done.evidence.taken_at,
        "lat": done.evidence.lat,
        "lon": done.evidence.lon,
        "created_at": now,
    }
    await session.execute(dialect_insert(session, MediaBlob).values(**values).on_conflict_do_nothing())
    blob = await session.get(MediaBlob, sha, populate_existing=True)
    assert blob is not None
    return blob


async def _insert_attachment(
    session: AsyncSession, actor: Actor, report_id: int, upload: Upload, blob: MediaBlob, now: datetime
) -> AttachmentRow | None:
    """The new attachment, or None when a concurrent twin of this upload inserted first."""
    values = {
        "report_id": report_id,
        "sha256": blob.sha256,
        "role": upload.role.value,
        "client_id": upload.client_id,
        "filename": upload.filename[:255] if upload.filename else None,
        "uploader_id": actor.id,
        "created_at": now,
    }
    stmt = dialect_insert(session, Attachment).values(**values).on_conflict_do_nothing().returning(Attachment.id)
    new_id = (await session.execute(stmt)).scalar_one_or_none()
    if new_id is None:
        return None
    attachment = await session.get(Attachment, new_id)
    assert attachment is not None
    return attachment, blob


async def declare_expected(
    session: AsyncSession, actor: Actor, report: Report, body: ExpectedAttachments, now: datetime
) -> AttachmentSummary:
    """The submitter says how many report photos are coming (PUT: the last declaration wins)."""
    if report.submitter_id != actor.id:
        raise Forbidden("only the submitter declares the expected attachments")
    values = {
        "report_id": report.id,
        "count": body.total,
        "client_ids": body.client_ids,
        "declared_by_id": actor.id,
        "updated_at": now,
    }
    stmt = dialect_insert(session, AttachmentExpectation).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["report_id"],
        set_={k: stmt.excluded[k] for k in ("count", "client_ids", "declared_by_id", "updated_at")},
    )
    await session.execute(stmt)
    return await queries.attachment_summary(session, report.id)
