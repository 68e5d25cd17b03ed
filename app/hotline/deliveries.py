"""Outbound status of hotline cases: an outbox row per status change, sent by the durable job worker.

- `on_status` (a listener on report.status_changed and the notes events.py announces, in the change's
  transaction) writes the delivery with its event (events.py; `event_id` = "<report id>:<seq>", stable
  across retries) and, when no earlier event of the case is still undelivered, its job
  `hotline.delivery:<id>`;
- the job (registry.Outside): `Deliverer.run` reads it in the claim's transaction, `post` POSTs it, signed
  like inbound calls, to the platform's callback with no transaction open (a slow callback holds no
  lock), and `delivered` records a 2xx in a new transaction: the delivery is done and the case's next
  event gets its job (per case, events arrive in order: a later one waits while an earlier one fails);
  anything else fails the attempt (recorded in that new transaction too);
- failed attempts retry with exponential backoff and jitter (settings: start, cap, max attempts),
  then the job is dead; `record_failure` keeps attempts, status code, error and latency on the row.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.jobs import JobContext, JobRegistry, Outside, enqueue
from app.hotline import events, platforms, signing
from app.models import HotlineDelivery, HotlineSignature, HotlineTicket, Report
from app.models.report import format_case_no
from app.reports.effects import Change, Listeners
from app.reports.states import Event

KIND = "hotline.deliver"
log = logging.getLogger("app.hotline")


def job_key(delivery_id: int) -> str:
    return f"hotline.delivery:{delivery_id}"


@dataclass(frozen=True)
class Post:
    url: str
    body: bytes
    headers: dict[str, str]


class DeliveryFailed(Exception):
    def __init__(self, message: str, status_code: int | None, latency_ms: float | None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.latency_ms = latency_ms


def register(listeners: Listeners, jobs: JobRegistry, settings: Settings) -> Deliverer:
    deliverer = Deliverer(settings)
    listeners.register(deliverer.on_status, events={Event.STATUS_CHANGED, Event.NOTED})
    lease = timedelta(seconds=max(60.0, 6 * settings.hotline_timeout_s))  # well past a POST's timeouts
    outside = Outside(perform=deliverer.post, complete=deliverer.delivered, lease=lease)
    jobs.register(KIND, deliverer.run, backoff=deliverer.backoff, on_failure=record_failure, outside=outside)
    jobs.register("hotline.forget_signatures", forget_signatures, every=timedelta(hours=1))
    return deliverer


async def forget_signatures(ctx: JobContext, _: dict[str, Any]) -> None:
    """Signatures older than twice the window can never be replayed (their timestamp is refused first)."""
    horizon = ctx.now - timedelta(seconds=2 * ctx.settings.hotline_signature_window_s)
    await ctx.session.execute(delete(HotlineSignature).where(HotlineSignature.seen_at < horizon))


class Deliverer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: httpx.AsyncClient | None = None

    def backoff(self, attempt: int, rng: random.Random) -> timedelta:
        """start × 2^(attempt-1), capped, plus up to 25 % jitter (1 s, 2 s, 4 s … 5 min by default)."""
        base = min(self.settings.hotline_backoff_start_s * 2.0 ** (attempt - 1), self.settings.hotline_backoff_cap_s)
        return timedelta(seconds=base * (1 + 0.25 * rng.random()))

    async def on_status(self, session: AsyncSession, change: Change) -> None:
        if change.source != "hotline" or not events.announced(change):
            return
        which = HotlineTicket.report_id == change.report_id
        ticket = (
            await session.execute(select(HotlineTicket.platform_id, HotlineTicket.ticket_no).where(which))
        ).first()
        if ticket is None:
            return
        case = (await session.execute(
            select(Report.county_code, Report.received_at).where(Report.id == change.report_id)
        )).one()  # fmt: skip
        case_no = format_case_no(case.county_code, case.received_at, change.report_id)
        payload = await events.event_payload(session, change, ticket.ticket_no, case_no)
        row = HotlineDelivery(platform_id=ticket.platform_id, report_id=change.report_id, ticket_no=ticket.ticket_no,
                              event_id=payload["event_id"], seq=change.seq, payload=payload, queued=False,
                              attempts=0, created_at=change.at)  # fmt: skip
        session.add(row)
        await session.flush()
        if await _earlier_undelivered(session, change.report_id, row.id) is None:
            await self._queue(session, row.id, change.at)

    async def _queue(self, session: AsyncSession, delivery_id: int, now: datetime) -> None:
        await session.execute(update(HotlineDelivery).where(HotlineDelivery.id == delivery_id).values(queued=True))
        await enqueue(session, KIND, {"delivery_id": delivery_id}, run_at=now, dedupe_key=job_key(delivery_id),
                      max_attempts=self.settings.hotline_max_attempts, now=now)  # fmt: skip

    async def run(self, ctx: JobContext, payload: dict[str, Any]) -> Post | None:
        """In the claim's transaction: what to POST (None: delivered already, or not its turn yet)."""
        session = ctx.session
        row = await session.get(HotlineDelivery, int(payload["delivery_id"]), populate_existing=True)
        if row is None or row.delivered_at is not None:
            return None
        if await _earlier_undelivered(session, row.report_id, row.id) is not None:
            await session.execute(update(HotlineDelivery).where(HotlineDelivery.id == row.id).values(queued=False))
            return None  # not its turn: the earlier one queues it once delivered
        platform = await platforms.by_id(session, row.platform_id, self.settings)
        if not platform.callback_url:
            raise DeliveryFailed(f"platform {platform.code} has no callback URL", None, None)
        body = orjson.dumps(row.payload, option=orjson.OPT_SORT_KEYS)
        headers = {**signing.headers(platform.secret, int(ctx.now.timestamp()), body), "X-Hotline-Event-Id":
                   row.payload["event_id"], "X-Hotline-Platform": platform.code}  # fmt: skip
        return Post(platform.callback_url, body, headers)

    async def post(self, post: Post) -> tuple[int, float]:
        """With no transaction open: (status code, latency ms) of a 2xx, else DeliveryFailed."""
        started = time.perf_counter()
        try:
            answer = await self.client().post(post.url, content=post.body, headers=post.headers)
        except httpx.HTTPError as exc:
            latency = (time.perf_counter() - started) * 1000
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:500], None, latency) from None
        latency = (time.perf_counter() - started) * 1000
        if not 200 <= answer.status_code < 300:
            raise DeliveryFailed(f"the callback answered {answer.status_code}", answer.status_code, latency)
        return answer.status_code, latency

    async def delivered(self, ctx: JobContext, payload: dict[str, Any], answer: tuple[int, float]) -> None:
        """In a new transaction after the POST: the delivery is done, and the case's next event is queued."""
        status_code, latency_ms = answer
        delivery_id = int(payload["delivery_id"])
        values = {"delivered_at": ctx.now, "attempts": HotlineDelivery.attempts + 1, "last_status_code": status_code,
                  "last_latency_ms": latency_ms, "last_error": None}  # fmt: skip
        which = HotlineDelivery.id == delivery_id, HotlineDelivery.delivered_at.is_(None)
        await ctx.session.execute(update(HotlineDelivery).where(*which).values(**values))
        report_id = await ctx.session.scalar(select(HotlineDelivery.report_id).where(HotlineDelivery.id == delivery_id))
        if report_id is not None:
            await self._queue_next(ctx.session, report_id, ctx.now)

    async def _queue_next(self, session: AsyncSession, report_id: int, now: datetime) -> None:
        """Queue the case's next waiting event. The case row is locked first: a change committing now either
        sees this delivery done (and queues its own) or is seen here."""
        lock = select(Report.id).where(Report.id == report_id)
        if session.get_bind().dialect.name == "postgresql":
            lock = lock.with_for_update()
        await session.execute(lock)
        stmt = (
            select(HotlineDelivery.id, HotlineDelivery.queued)
            .where(HotlineDelivery.report_id == report_id, HotlineDelivery.delivered_at.is_(None))
            .order_by(HotlineDelivery.id)
            .limit(1)
        )
        following = (await session.execute(stmt)).one_or_none()
        if following is not None and not following.queued:
            await self._queue(session, following.id, now)

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.settings.hotline_timeout_s, follow_redirects=False)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


async def _earlier_undelivered(session: AsyncSession, report_id: int, delivery_id: int) -> int | None:
    stmt = select(HotlineDelivery.id).where(
        HotlineDelivery.report_id == report_id, HotlineDelivery.id < delivery_id, HotlineDelivery.delivered_at.is_(None)
    )
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def record_failure(ctx: JobContext, payload: dict[str, Any], exc: Exception, dead: bool) -> None:
    """Attempts, status code, error and latency of the failed attempt, on the delivery row."""
    code = exc.status_code if isinstance(exc, DeliveryFailed) else None
    latency = exc.latency_ms if isinstance(exc, DeliveryFailed) else None
    error = str(exc) if isinstance(exc, DeliveryFailed) else type(exc).__name__
    stmt = (
        update(HotlineDelivery)
        .where(HotlineDelivery.id == int(payload["delivery_id"]))
        .values(attempts=HotlineDelivery.attempts + 1, last_status_code=code, last_error=error, last_latency_ms=latency)
    )
    await ctx.session.execute(stmt)
    if dead:
        log.error("hotline delivery %s is dead after %d attempts", payload["delivery_id"], ctx.attempt)
