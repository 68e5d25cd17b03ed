"""HTTP for photos on reports. Mount with `app.include_router(app.media.router.router, prefix="/api/v1")`.

POST /reports/{id}/attachments reads a body up to `settings.max_upload_bytes` plus the multipart
envelope: the body-limit (and gzip) middleware must allow `upload_body_limit(settings)` for POSTs
whose path matches `UPLOAD_PATH`, and keep `max_body_bytes` everywhere else.
"""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, Response, UploadFile, status
from fastapi.responses import FileResponse

from app.accounts.deps import ActorDep, AdminDep, ScopeDep
from app.core.config import Settings
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.errors import NotFound
from app.core.slots import Slots
from app.media import queries, service
from app.media.schemas import AttachmentList, AttachmentRead, AttachmentRole, AttachmentSummary, ExpectedAttachments
from app.media.storage import Kind, MediaStore
from app.reports import queries as reports

router = APIRouter(tags=["attachments"])

ATTACHMENTS_PATH = "/reports/{report_id}/attachments"
MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and the small form fields
UPLOAD_PATH = re.compile(r"^/api/v1/reports/[^/]+/attachments$")


def upload_body_limit(settings: Settings) -> int:
    """The request body the attachment route must be allowed to receive."""
    return settings.max_upload_bytes + MULTIPART_OVERHEAD


def _store(settings: Settings) -> MediaStore:
    return MediaStore(settings.resolved_media_dir())


def decode_slots(settings: Settings) -> Slots:
    """The app's one budget of pixels being decoded (create_app keeps it on app.state.image_decodes)."""
    busy = "too many images are being decoded; try again"
    return Slots(settings.image_decode_budget_pixels, settings.image_decode_wait_s, busy=busy, retry_after_s=5)


def _images(request: Request, settings: Settings) -> service.ImageLimits:
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
    client_id: Annotated[str | None, Form(min_length=1, max_length=255)] = None,
) -> AttachmentRead:
    report = await reports.get_report(session, scope, report_id)
    upload = service.Upload(source=file, role=role, client_id=client_id, filename=file.filename)
    done = await service.attach(
        session, _store(settings), actor, report, upload,
        max_bytes=settings.max_upload_bytes, images=_images(request, settings), local_tz=ZoneInfo(settings.timezone),
        now=clock.now(),
    )  # fmt: skip
    if not done.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/attachments/{done.attachment.id}"
    return AttachmentRead.of(done.attachment, done.blob)


@router.get(ATTACHMENTS_PATH, response_model=AttachmentList, summary="A report's photos and which are missing")
async def list_attachments(report_id: str, scope: ScopeDep, session: SessionDep) -> AttachmentList:
    report = await reports.get_report(session, scope, report_id)
    rows = await queries.list_attachments(session, report.id)
    summary = await queries.attachment_summary(session, report.id)
    return AttachmentList(items=[AttachmentRead.of(a, b) for a, b in rows], **summary.model_dump())


@router.put(
    "/reports/{report_id}/expected-attachments",
    response_model=AttachmentSummary,
    summary="Declare how many report photos are coming (the submitter)",
)
async def put_expected_attachments(
    report_id: str, body: ExpectedAttachments, actor: ActorDep, scope: ScopeDep, session: SessionDep, clock: ClockDep
) -> AttachmentSummary:
    report = await reports.get_report(session, scope, report_id)
    return await service.declare_expected(session, actor, report, body, clock.now())


@router.get(
    "/attachments/{attachment_id}",
    response_class=FileResponse,
    summary="The photo as served: re-encoded, upright, without EXIF or GPS",
)
async def get_attachment(attachment_id: str, scope: ScopeDep, session: SessionDep, settings: SettingsDep) -> Response:
    _, blob = await queries.get_attachment(session, scope, attachment_id)
    return _file(_store(settings), blob.sha256, Kind.SERVED, blob.served_type)


@router.get("/attachments/{attachment_id}/thumbnail", response_class=FileResponse, summary="A ~320 px thumbnail")
async def get_thumbnail(attachment_id: str, scope: ScopeDep, session: SessionDep, settings: SettingsDep) -> Response:
    _, blob = await queries.get_attachment(session, scope, attachment_id)
    return _file(_store(settings), blob.sha256, Kind.THUMBNAIL, blob.thumbnail_type)


@router.get(
    "/attachments/{attachment_id}/original",
    response_class=FileResponse,
    summary="The upload byte for byte, EXIF and GPS included (admins only: evidence)",
)
async def get_original(
    attachment_id: str, _: AdminDep, scope: ScopeDep, session: SessionDep, settings: SettingsDep
) -> Response:
    _attachment, blob = await queries.get_attachment(session, scope, attachment_id)
    return _file(_store(settings), blob.sha256, Kind.ORIGINAL, blob.content_type)


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
