"""HTTP for photos on reports. Mount with `app.include_router(app.media.router.router, prefix="/api/v1")`.

POST /reports/{id}/attachments reads a body up to `settings.max_upload_bytes` plus the multipart
envelope: the body-limit (and gzip) middleware must allow `upload_body_limit(settings)` for POSTs
whose path matches `UPLOAD_PATH`, and keep `max_body_bytes` everywhere else.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, Response, UploadFile, status
from fastapi.responses import FileResponse

from app.accounts.deps import ActorDep, AdminDep, ScopeDep
from app.core.config import Settings
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.errors import Invalid, NotFound
from app.core.schemas import Text, check_text
from app.core.slots import Slots
from app.geo.coords import Crs
from app.media import queries, service
from app.media.schemas import AttachmentList, AttachmentRead, AttachmentRole, AttachmentSummary, ExpectedAttachments
from app.media.storage import Kind, MediaStore
from app.reports import queries as reports

router = APIRouter(tags=["attachments"])

ATTACHMENTS_PATH = "/reports/{report_id}/attachments"
MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and the small form fields
UPLOAD_PATH = re.compile(r"^/api/v1/reports/[^/]+/attachments$")


IMAGE = {"schema": {"type": "string", "format": "binary"}}
SERVED: dict[int | str, dict[str, Any]] = {
    200: {"description": "The image", "content": {"image/jpeg": IMAGE, "image/png": IMAGE, "image/webp": IMAGE}}
}


def upload_body_limit(settings: Settings) -> int:
    """The request body the attachment route must be allowed to receive."""
    return settings.max_upload_bytes + MULTIPART_OVERHEAD


def media_store(settings: Settings) -> MediaStore:
    return MediaStore(settings.resolved_media_dir())


def decode_slots(settings: Settings) -> Slots:
    """The app's one budget of pixels being decoded (create_app keeps it on app.state.image_decodes)."""
    busy = "too many images are being decoded; try again"
    return Slots(settings.image_decode_budget_pixels, settings.image_decode_wait_s, busy=busy, retry_after_s=5)


def image_limits(request: Request, settings: Settings) -> service.ImageLimits:
    return service.ImageLimits(
        max_pixels=settings.max_image_pixels,
        served_px=settings.served_image_px,
        decodes=request.app.state.image_decodes,
    )


@router.post(
    ATTACHMENTS_PATH,
    response_model=AttachmentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Attach a photo (JPEG, PNG or WebP; replay-safe)",
    responses={
        200: {"model": AttachmentRead, "description": "These bytes were already attached in this role (a retry)"},
        403: {"description": "result/verify photos need the current centre or the grid's worker"},
        404: {"description": "No such report, or not visible to the caller"},
        409: {"description": "The client_id was already used for other bytes or another role"},
        413: {"description": "The file is larger than max_upload_bytes, or has more than max_image_pixels (`file`)"},
        422: {"description": "Not a JPEG, PNG or WebP image, or undecodable (field `file`)"},
        503: {"description": "Too many images are being decoded; `Retry-After` says when to retry"},
    },
)
async def upload_attachment(
    report_id: str,
    file: Annotated[UploadFile, File(description="The image; its type is read from its bytes")],
    request: Request,
    response: Response,
    actor: ActorDep,
    scope: ScopeDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    role: Annotated[AttachmentRole, Form()] = AttachmentRole.REPORT,
    client_id: Annotated[Text | None, Form(min_length=1, max_length=255)] = None,
    crs: Crs = Crs.WGS84,
) -> AttachmentRead:
    """A photo for the report (multipart `file`), in a `role`: `report` (what was seen), `result` (the
    fix) or `verify` (the check). The type is read from the bytes (JPEG, PNG, WebP); EXIF time and
    GPS are kept as `evidence` (position in `?crs=`) and stripped from what is served. Replay-safe:
    the same bytes in the same role answer 200."""
    report = await reports.get_report(session, scope, report_id)
    upload = service.Upload(source=file, role=role, client_id=client_id, filename=_filename(file))
    done = await service.attach(
        session, media_store(settings), actor, report, upload, max_bytes=settings.max_upload_bytes,
        images=image_limits(request, settings), local_tz=ZoneInfo(settings.timezone), now=clock.now(),
    )  # fmt: skip
    attachment, blob = done.value
    if not done.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/attachments/{attachment.id}"
    return AttachmentRead.of(attachment, blob, crs)


@router.get(ATTACHMENTS_PATH, response_model=AttachmentList, summary="A report's photos and which are missing")
async def list_attachments(
    report_id: str, scope: ScopeDep, session: SessionDep, crs: Crs = Crs.WGS84
) -> AttachmentList:
    """The report's photos with their evidence (position in `?crs=`) and how many declared photos are
    still missing."""
    report = await reports.get_report(session, scope, report_id)
    rows = await queries.list_attachments(session, report.id)
    summary = await queries.attachment_summary(session, report.id)
    return AttachmentList(items=[AttachmentRead.of(a, b, crs) for a, b in rows], **summary.model_dump())


@router.put(
    "/reports/{report_id}/expected-attachments",
    response_model=AttachmentSummary,
    summary="Declare how many report photos are coming (the submitter)",
)
async def put_expected_attachments(
    report_id: str, body: ExpectedAttachments, actor: ActorDep, scope: ScopeDep, session: SessionDep, clock: ClockDep
) -> AttachmentSummary:
    """The submitter declares how many report photos are coming (or their client ids), so a centre
    sees what is still missing while the phone is offline."""
    report = await reports.get_report(session, scope, report_id)
    return await service.declare_expected(session, actor, report, body, clock.now())


@router.get(
    "/attachments/{attachment_id}",
    response_class=FileResponse,
    responses=SERVED,
    summary="The photo as served: re-encoded, upright, without EXIF or GPS",
)
async def get_attachment(attachment_id: str, scope: ScopeDep, session: SessionDep, settings: SettingsDep) -> Response:
    """The photo as served: re-encoded, turned upright, without EXIF or GPS."""
    _, blob = await queries.get_attachment(session, scope, attachment_id)
    return _file(media_store(settings), blob.sha256, Kind.SERVED, blob.served_type)


@router.get(
    "/attachments/{attachment_id}/thumbnail",
    response_class=FileResponse,
    responses=SERVED,
    summary="A ~320 px thumbnail",
)
async def get_thumbnail(attachment_id: str, scope: ScopeDep, session: SessionDep, settings: SettingsDep) -> Response:
    """A thumbnail of about 320 px, without metadata."""
    _, blob = await queries.get_attachment(session, scope, attachment_id)
    return _file(media_store(settings), blob.sha256, Kind.THUMBNAIL, blob.thumbnail_type)


@router.get(
    "/attachments/{attachment_id}/original",
    response_class=FileResponse,
    responses=SERVED,
    summary="The upload byte for byte, EXIF and GPS included (admins only: evidence)",
)
async def get_original(
    attachment_id: str, _: AdminDep, scope: ScopeDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """The uploaded bytes unchanged, metadata included: evidence, for admins only."""
    _attachment, blob = await queries.get_attachment(session, scope, attachment_id)
    return _file(media_store(settings), blob.sha256, Kind.ORIGINAL, blob.content_type)


def _filename(file: UploadFile) -> str | None:
    """The name the phone gave the file, kept as a label; one no database can store is refused."""
    try:
        return check_text(file.filename) if file.filename else None
    except ValueError as exc:
        raise Invalid(f"the file name {exc}", field="file") from None


def _file(store: MediaStore, sha256: str, kind: Kind, media_type: str) -> Response:
    path = store.path(sha256, kind)
    if not path.is_file():
        raise NotFound("the file of this attachment is missing from the media store")
    headers = {
        "ETag": f'"{sha256}{kind.value}"',
        "Cache-Control": "private, max-age=86400",
        "X-Content-Type-Options": "nosniff",
    }
    return FileResponse(path, media_type=media_type, headers=headers, content_disposition_type="inline")
