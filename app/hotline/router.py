"""HTTP of the 12345 hotline bridge: signed calls from platforms, admin views, the contact reveal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from app.accounts.actor import Role
from app.accounts.deps import ActorDep, AdminDep, ScopeDep
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.errors import Forbidden, NotFound
from app.core.ids import parse_id
from app.core.pagination import Page
from app.hotline import notes, platforms, queries, service, signing
from app.hotline.platforms import Platform
from app.hotline.schemas import (
    ContactRead,
    DeliveryRead,
    FeedbackIn,
    FeedbackRead,
    PlatformCreate,
    PlatformRead,
    TicketIn,
    TicketRead,
)
from app.models import HotlinePlatform
from app.reports import queries as reports
from app.reports.deps import ActionContextDep

router = APIRouter(tags=["12345 hotline"])
SIGNED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Unsigned, badly signed, stale or replayed call, or an unknown or disabled platform"}
}


@dataclass(frozen=True)
class Signed:
    platform: Platform
    digest: str


async def signed_call(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    x_hotline_platform: Annotated[str | None, Header()] = None,
    x_hotline_timestamp: Annotated[str | None, Header()] = None,
    x_hotline_signature: Annotated[str | None, Header()] = None,
) -> Signed:
    """The platform of a genuine, fresh call (HMAC-SHA256 over timestamp + "." + the raw body); 401 otherwise."""
    now = clock.now()
    platform = await platforms.active(session, x_hotline_platform, settings, now)
    body = await request.body()
    digest = signing.verify(platform.secret, x_hotline_timestamp, x_hotline_signature, body, now.timestamp(),
                            settings.hotline_signature_window_s)  # fmt: skip
    return Signed(platform, digest)


SignedDep = Annotated[Signed, Depends(signed_call)]


def _platform_read(row: HotlinePlatform, settings: Any) -> PlatformRead:
    callback = platforms.of(row, settings).callback_url
    return PlatformRead(id=str(row.id), code=row.code, name=row.name, callback_url=callback, active=row.active,
                        configured_by="settings" if row.code == platforms.DEFAULT_CODE else "api",
                        created_at=row.created_at, disabled_at=row.disabled_at)  # fmt: skip


@router.post("/hotline/platforms", response_model=PlatformRead, status_code=201, summary="Add a hotline platform")
async def create_platform(
    body: PlatformCreate, _: AdminDep, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> PlatformRead:
    """Another platform that files tickets, naming itself with `X-Hotline-Platform: <code>`. The secret is
    write-only: no answer carries it."""
    row = await platforms.create(session, code=body.code, name=body.name, secret=body.secret,
                                 callback_url=body.callback_url, now=clock.now())  # fmt: skip
    return _platform_read(row, settings)


@router.get("/hotline/platforms", response_model=list[PlatformRead], summary="Hotline platforms")
async def list_platforms(
    _: AdminDep, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> list[PlatformRead]:
    """Every platform: the default 12345 (configured by the settings) and those added here; never a secret."""
    return [_platform_read(row, settings) for row in await platforms.list_all(session, settings, clock.now())]


@router.post("/hotline/platforms/{platform_id}/disable", response_model=PlatformRead, summary="Disable a platform")
async def disable_platform(
    platform_id: str, _: AdminDep, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> PlatformRead:
    """Its calls are refused with 401 from now on; its cases and deliveries stay."""
    return _platform_read(await platforms.disable(session, platform_id, clock.now()), settings)


@router.post(
    "/hotline/tickets", response_model=TicketRead, status_code=201, summary="File a 12345 work order (signed)",
    responses={**SIGNED, 200: {"model": TicketRead, "description": "The same ticket again: the first answer"},
               409: {"description": "The same ticket_no with other content"}},
)  # fmt: skip
async def file_ticket(
    data: TicketIn, call: SignedDep, request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> JSONResponse:
    """Signed with `X-Hotline-Timestamp` and `X-Hotline-Signature: sha256=<hex>`. Placed by `location`
    (its crs: wgs84, gcj02, bd09) or else `region_code` (a grid, village, town or county); `deadline`
    becomes the resolve deadline; the grid's worker gets an on-site check (下沉核实)."""
    now = clock.now()
    await service.remember_signature(session, call.platform, call.digest, now)
    state = request.app.state
    app = service.Intake(state.locator, state.categories, state.policies, settings, state.listeners)
    answer, created = await service.file_ticket(session, call.platform, data, now, app)
    return JSONResponse(answer, status_code=201 if created else 200)


@router.post(
    "/hotline/tickets/{ticket_no}/feedback", response_model=FeedbackRead, summary="The citizen's satisfaction (signed)",
    responses={**SIGNED, 404: {"description": "No such ticket of this platform"}},
)  # fmt: skip
async def give_feedback(
    ticket_no: str, data: FeedbackIn, call: SignedDep, session: SessionDep, ctx: ActionContextDep
) -> FeedbackRead:
    """回访: `satisfied` and a `comment`, kept in the timeline (`hotline_feedback`); unsatisfied reopens a
    closed or rejected case (重办) with the comment as its reason."""
    await service.remember_signature(session, call.platform, call.digest, ctx.now)
    return await service.feedback(session, call.platform, ticket_no, data, ctx)


@router.post("/reports/{report_id}/contact", response_model=ContactRead, tags=["reports"],
             summary="Reveal the caller's phone (audited)")  # fmt: skip
async def reveal_contact(
    report_id: str, actor: ActorDep, scope: ScopeDep, session: SessionDep, clock: ClockDep, response: Response
) -> ContactRead:
    """For the operator of the centre holding the case, to call the citizen back: answers the number and
    writes a `contact_revealed` timeline entry (who, when). Everyone else sees it masked."""
    report = await reports.get_report(session, scope, report_id, to_act=True)
    if actor.role is not Role.ADMIN and not (actor.role is Role.OPERATOR and actor.region_code == report.centre_code):
        raise Forbidden("only the centre holding the case may reveal the caller's phone")
    if not report.caller_phone:
        raise NotFound("this case has no caller phone")
    now = clock.now()
    version = await notes.write(session, report, actor, "contact_revealed", None, {"purpose": "call_back"}, now)
    response.headers["ETag"] = f'"{version}"'
    return ContactRead(report_id=str(report.id), caller_phone=report.caller_phone, revealed_at=now, version=version)


def _delivery_read(row: Any) -> DeliveryRead:
    d = row.HotlineDelivery
    return DeliveryRead(id=str(d.id), event_id=d.event_id, platform=row.platform, ticket_no=d.ticket_no,
                        report_id=str(d.report_id), seq=d.seq, event_status=d.payload.get("status", ""),
                        status=row.state, attempts=d.attempts, last_status_code=d.last_status_code,
                        last_error=d.last_error, latency_ms=d.last_latency_ms, created_at=d.created_at,
                        delivered_at=d.delivered_at)  # fmt: skip


@router.get("/hotline/deliveries", response_model=Page[DeliveryRead], summary="Outbound status deliveries")
async def list_deliveries(
    _: AdminDep,
    session: SessionDep,
    ticket_no: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[Literal["waiting", "pending", "delivered", "dead"] | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[DeliveryRead]:
    """Newest first: each event's state (waiting behind an earlier one of its case, pending, delivered,
    dead), attempts, last status code, last error and latency."""
    before = parse_id(cursor, "cursor", field="cursor") if cursor else None
    rows = await queries.list_deliveries(session, ticket_no=ticket_no, status=status, before_id=before,
                                         limit=limit + 1)  # fmt: skip
    items = [_delivery_read(row) for row in rows[:limit]]
    return Page(items=items, next_cursor=items[-1].id if len(rows) > limit else None)


@router.post("/hotline/deliveries/{delivery_id}/redrive", response_model=DeliveryRead, summary="Redrive a dead one")
async def redrive_delivery(delivery_id: str, _: AdminDep, session: SessionDep, clock: ClockDep) -> DeliveryRead:
    """A dead delivery is sent again now, attempts from zero; the events of its case behind it follow."""
    return _delivery_read(await queries.redrive(session, parse_id(delivery_id, "delivery"), clock.now()))
