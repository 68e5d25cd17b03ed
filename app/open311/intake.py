"""`POST requests`: a form from an Open311 client becomes a case with source `open311`.

Location: `lat`/`long` (WGS-84) inside the key's region, or else `address_string` / `address_id`
(FixMyStreet's `#NOTPINPOINTED#`), which place the case at the key's own town or county. A resend
is recognised by the client's id (`attribute[fixmystreet_id]`, or `client_id`) and answers the
request it made the first time, whatever else changed (FixMyStreet resends after any non-2xx or a
lost reply). Without such an id every POST is a new request.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, Invalid
from app.geo.coords import Crs
from app.geo.placement import Placement, place_by_code
from app.geo.schemas import Location
from app.models import Open311Request, Report
from app.open311 import catalogue
from app.open311.errors import Open311Error
from app.open311.forms import Params
from app.open311.keys import Caller
from app.reports import intake, queries
from app.reports.schemas import PlacedReportCreate

DESCRIPTION_MAX = 4000
MAX_MEDIA = 20
_OWN_ID = re.compile(r"[\x21-\x7e]{1,200}")


@dataclass(frozen=True)
class Filed:
    report: Report
    created: bool


def client_id_of(params: Params) -> tuple[str, str] | None:
    """(the report's client_id, the token) from the client's own id, when it sent one."""
    own = params.attributes().get(catalogue.DEDUP_ATTRIBUTE, [None])[0] or params.get("client_id")
    if own is None:
        return None
    if not _OWN_ID.fullmatch(own):
        raise Open311Error("at most 200 printable ASCII characters", field="attribute[fixmystreet_id]")
    return f"open311:{own}", own


async def file_request(session: AsyncSession, request: Request, caller: Caller, params: Params) -> Filed:
    state = request.app.state
    now: datetime = state.clock.now()
    code = params.get("service_code", max_length=32)
    if code is None:
        raise Open311Error("service_code is required", field="service_code")
    own = client_id_of(params)
    if own is not None and (found := await queries.find_by_client_id(session, caller.actor.id, own[0])):
        return Filed(found, created=False)
    info = await catalogue.service(session, state.categories, code)
    location, placement = await _where(session, request, caller, params)
    data = _report_data(
        client_id=own[0] if own else f"open311:{uuid.uuid4().hex}", category=info.code, severity=_severity(params),
        description=_description(params, info.name_zh), occurred_at=now, location=location,
        address=(params.get("address_string", max_length=4000) or "")[:255] or None,
    )  # fmt: skip
    phone = params.get("phone", max_length=64)
    system = intake.SystemIntake(source="open311", placement=placement,
                                 caller_phone=phone if phone and len(phone) <= 32 else None)  # fmt: skip
    try:
        async with session.begin_nested():
            done = await intake.submit_report(
                session, caller.actor, data, now=now, locator=state.locator, categories=state.categories,
                policies=state.policies, settings=state.settings, listeners=state.listeners, system=system,
            )  # fmt: skip
    except Conflict:  # a concurrent resend of the same id won
        again = await queries.find_by_client_id(session, caller.actor.id, data.client_id)
        if again is None:
            raise
        return Filed(again, created=False)
    if not done.created:  # a concurrent resend with the same content was first: it wrote the extras
        return Filed(done.value, created=False)
    session.add(_extras(done.value.id, caller, params, own[1] if own else None, now))
    await session.flush()
    return Filed(done.value, created=done.created)


async def _where(
    session: AsyncSession, request: Request, caller: Caller, params: Params
) -> tuple[Location | None, Placement | None]:
    lat, lon = params.number("lat", -90, 90), params.number("long", -180, 180)
    if (lat is None) != (lon is None):
        raise Open311Error("lat and long go together", field="lat" if lat is None else "long")
    if lat is not None and lon is not None:
        state = request.app.state
        await state.locator.ensure_fresh(session)
        located = state.locator.locate(lat, lon, state.settings.outside_grid_tolerance_m)
        if located is None or not caller.covers(located.village_code):
            raise Open311Error("the location lies outside this key's region", field="lat")
        return Location(lat=lat, lon=lon, crs=Crs.WGS84), None
    if params.get("address_string", max_length=4000) is None and params.get("address_id") is None:
        raise Open311Error("a location is required: lat and long, address_string or address_id", field="lat")
    try:
        return None, await place_by_code(session, caller.key.region_code, field="address_string")
    except Invalid:
        raise Open311Error("this key's region is a whole city: send lat and long", field="address_string") from None


def _report_data(**fields: object) -> PlacedReportCreate:
    try:
        return PlacedReportCreate.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise Open311Error(error["msg"], field=".".join(str(p) for p in error["loc"])) from None


def _severity(params: Params) -> int | None:
    chosen = params.attributes().get("severity", [None])[0]
    if chosen is None:
        return None
    if chosen not in catalogue.SEVERITIES:
        raise Open311Error("one of 1, 2, 3, 4", field="attribute[severity]")
    return int(chosen)


def _description(params: Params, fallback: str) -> str:
    """The text with CRLF made LF, cut (not refused) at 4,000 characters: FixMyStreet does not cut it."""
    text = (params.get("description", max_length=100_000) or fallback).replace("\r\n", "\n").replace("\r", "\n")
    return text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - 1] + "…"


def _extras(report_id: int, caller: Caller, params: Params, token: str | None, now: datetime) -> Open311Request:
    def cut(name: str, size: int) -> str | None:
        value = params.get(name, max_length=4000)
        return value[:size] if value else None

    media = [
        url for url in params.all("media_url") + params.all("media_url[]") if url.startswith(("http://", "https://"))
    ]
    return Open311Request(
        report_id=report_id, api_key_id=caller.key.id, token=token, first_name=cut("first_name", 100),
        last_name=cut("last_name", 100), email=cut("email", 255), phone=cut("phone", 64),
        device_id=cut("device_id", 255) or cut("deviceid", 255), account_id=cut("account_id", 255),
        address_id=cut("address_id", 255), media_urls=[url[:2000] for url in media[:MAX_MEDIA]],
        attributes=params.attributes(), created_at=now,
    )  # fmt: skip


async def get_extras(session: AsyncSession, report_ids: list[int]) -> dict[int, Open311Request]:
    rows = await session.execute(select(Open311Request).where(Open311Request.report_id.in_(report_ids)))
    return {row.report_id: row for row in rows.scalars()}
