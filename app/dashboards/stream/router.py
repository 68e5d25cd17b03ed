"""GET /stream (Server-Sent Events) and POST /stream/tickets. docs/stream.md is the reference."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.sse import EventSourceResponse, ServerSentEvent

from app.accounts import deps as accounts
from app.accounts.deps import ActorDep
from app.accounts.scope import Scope
from app.core.auth import bearer
from app.core.errors import Forbidden, Invalid, Unauthorized, Unavailable
from app.core.ids import as_id
from app.dashboards.stream import queries, tickets
from app.dashboards.stream.events import StreamEvent
from app.dashboards.stream.hub import LocalHub, Subscriber
from app.dashboards.stream.schemas import StreamEventData, StreamTicket
from app.geo.coords import Crs

router = APIRouter(tags=["stream"])
REPLAY_PAGE = 500
START_TIMEOUT_S = 5.0


@router.post("/stream/tickets", status_code=201, response_model=StreamTicket, summary="A ticket to open the stream")
async def create_ticket(request: Request, actor: ActorDep) -> StreamTicket:
    """For a browser's EventSource, which cannot send the bearer header: `GET /stream?ticket=…`.
    Short-lived (60 s by default), good for the stream only, ended with the sign-in session."""
    if actor.session_id is None:
        raise Forbidden("stream tickets are issued to signed-in users")
    state = request.app.state
    ticket, expires_at = tickets.issue(state.jwt_secret, user_id=actor.id, session_id=actor.session_id,
                                       now=state.clock.now(), ttl_s=state.settings.stream_ticket_ttl_s)  # fmt: skip
    return StreamTicket(ticket=ticket, expires_at=expires_at)


async def stream_scope(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ticket: Annotated[str | None, Query(description="from POST /stream/tickets, for EventSource")] = None,
) -> Scope:
    """The caller, by bearer header or ticket, with a session of its own (the stream holds none open)."""
    state = request.app.state
    async with state.sessionmaker() as session:
        if ticket is not None:
            claims = tickets.read(state.jwt_secret, ticket, now=state.clock.now())
            if claims is None:
                raise Unauthorized("the stream ticket is invalid or has expired", field="ticket")
            return Scope(await accounts.load_actor(session, claims.user_id, claims.session_id))
        return Scope(await accounts.authenticate(request, session, credentials))


def resume_after(
    last_event_id: Annotated[str | None, Query(description="resume after this event id (or the header)")] = None,
    header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> int | None:
    raw, field = (header, "Last-Event-ID") if header is not None else (last_event_id, "last_event_id")
    if raw is None or raw == "":
        return None
    value = as_id(raw) if raw != "0" else 0
    if value is None:
        raise Invalid("an event id is the id: of an event received before", field=field)
    return value


async def subscription(request: Request, scope: Annotated[Scope, Depends(stream_scope)]) -> AsyncIterator[Subscriber]:
    """This client's place at the hub, taken before the replay (what commits meanwhile waits in its
    queue), given back when the response ends however it ends."""
    hub: LocalHub = request.app.state.stream_hub
    try:
        async with asyncio.timeout(START_TIMEOUT_S):
            await hub.start()
    except TimeoutError:
        raise Unavailable("the live stream cannot reach its broker", retry_after_s=5) from None
    subscriber = hub.subscribe(scope)
    try:
        yield subscriber
    finally:
        hub.unsubscribe(subscriber)


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    summary="Live events: new cases, status changes, supervision",
    description=(
        "Server-Sent Events (docs/stream.md): `report`, `status` and `supervise` events whose `id:` is "
        "the timeline entry's id; resume with `Last-Event-ID` (or `?last_event_id=`): the timeline after "
        "it is replayed, then the stream goes live (a `: live` comment marks the switch). A `: heartbeat` "
        "comment comes every 15 s. Auth: the bearer header, or `?ticket=` from `POST /stream/tickets`."
    ),
    responses={200: {"model": StreamEventData, "description": "text/event-stream; each data: is this shape"}},
)
async def stream(
    request: Request,
    subscriber: Annotated[Subscriber, Depends(subscription)],
    after: Annotated[int | None, Depends(resume_after)],
    crs: Crs = Crs.WGS84,
) -> AsyncIterator[ServerSentEvent]:
    state = request.app.state
    settings = state.settings
    replayed: set[int] = set()
    if after is not None:
        async for old in _replay(state.sessionmaker, subscriber.scope, after):
            replayed.add(old.id)
            yield _sse(old, crs)
    yield ServerSentEvent(comment="live", retry=settings.stream_retry_ms)
    while True:
        try:
            async with asyncio.timeout(settings.stream_heartbeat_s):
                item = await subscriber.queue.get()
        except TimeoutError:
            yield ServerSentEvent(comment="heartbeat")
            continue
        if item is None:  # overflowed or the broker went away: the client resumes from its last id
            return
        if item.id not in replayed:
            yield _sse(item, crs)


async def _replay(sessionmaker: Any, scope: Scope, after: int) -> AsyncIterator[StreamEvent]:
    """The timeline after `after`, in pages, each read in a short session of its own."""
    while True:
        async with sessionmaker() as session:
            page = await queries.list_after(session, scope, after, REPLAY_PAGE)
        for item in page:
            yield item
        if len(page) < REPLAY_PAGE:
            return
        after = page[-1].id


def _sse(item: StreamEvent, crs: Crs) -> ServerSentEvent:
    return ServerSentEvent(id=str(item.id), event=item.kind.value, raw_data=item.data(crs))
