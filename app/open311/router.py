"""Open311 GeoReport v2 at /open311/v2/: every resource as `.xml` and `.json` (docs/open311.md).

Parameters come as clients send them (query, or a form body for POSTs) and are read by `Params`;
errors are the spec's envelope (errors.py). Reads need no key; writes and updates need `api_key`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from app.core.deps import SessionDep
from app.models import Report
from app.open311 import catalogue, intake, presenters, queries, updates
from app.open311.errors import Missing, Open311Route
from app.open311.forms import Params, strict_pairs
from app.open311.keys import Caller, optional_key, require_key
from app.open311.render import Format, respond

PREFIX = "/open311/v2"
_XML = {"type": "string", "description": "the same document as XML (text/xml; charset=utf-8)"}
_LIST = {"type": "array", "items": {"type": "object"}}
_OBJECT = {"type": "object"}


def _doc(shape: dict[str, Any], *statuses: int) -> dict[int | str, dict[str, Any]]:
    content = {"application/json": {"schema": shape}, "text/xml": {"schema": _XML}}
    return {status: {"description": "the resource, in the format the path names", "content": content}
            for status in statuses or (200,)}  # fmt: skip


router = APIRouter(prefix=PREFIX, tags=["open311"], route_class=Open311Route)


def _format(fmt: str) -> Format:
    try:
        return Format(fmt)
    except ValueError:
        raise Missing(f"no format {fmt!r}: use .xml or .json", field="format") from None


def _query(request: Request) -> Params:
    return Params(strict_pairs(request.scope["query_string"], "query"))


async def _form(request: Request) -> Params:
    """Query and form fields together (`api_key` may be in either); uploaded files are not read."""
    pairs = strict_pairs(request.scope["query_string"], "query")
    if request.headers.get("content-type", "").lower().startswith("multipart/"):
        form = await request.form()
        pairs += [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    else:
        pairs += strict_pairs(await request.body(), "body")
    return Params(pairs)


@router.get("/discovery.{fmt}", summary="Discovery", responses=_doc(_OBJECT))
async def discovery(fmt: str, request: Request) -> Response:
    """The endpoint, its specification, formats and changeset (clients refresh their service lists when it changes)."""
    base = str(request.base_url).rstrip("/") + PREFIX + "/"
    return respond(_format(fmt), "discovery", catalogue.discovery(base))


@router.get("/services.{fmt}", summary="Services: the categories a request may name", responses=_doc(_LIST))
async def services(fmt: str, session: SessionDep, request: Request) -> Response:
    """Every leaf category that is not sensitive: code, name, group, keywords; `metadata` true (see the definition)."""
    kind = _format(fmt)
    cache = request.app.state.categories
    listed = await catalogue.open_services(session, cache)
    return respond(kind, "services", [catalogue.service_record(info, cache) for info in listed])


@router.get(
    "/services/{service_code}.{fmt}", summary="A service definition with its attributes", responses=_doc(_OBJECT)
)
async def service_definition(service_code: str, fmt: str, session: SessionDep, request: Request) -> Response:
    """The attributes a request may carry: `severity` and `fixmystreet_id` (the client's id, for resends)."""
    kind = _format(fmt)
    info = await catalogue.service(session, request.app.state.categories, service_code)
    return respond(kind, "service_definition", catalogue.definition(info))


@router.post("/requests.{fmt}", summary="File a service request (api_key required)", responses=_doc(_LIST, 200, 201))
async def create_request(fmt: str, session: SessionDep, request: Request) -> Response:
    """Form-encoded; `api_key`, `service_code` and a location (`lat`/`long`, `address_string` or `address_id`).
    A resend with the same `attribute[fixmystreet_id]` (or `client_id`) answers the first request (200)."""
    kind = _format(fmt)
    params = await _form(request)
    caller = await require_key(session, params.get("api_key"), "create_request")
    filed = await intake.file_request(session, request, caller, params)
    body = [{"service_request_id": str(filed.report.id), "service_notice": None, "account_id": None}]
    return respond(kind, "service_requests", body, 201 if filed.created else 200)


@router.get("/requests.{fmt}", summary="Service requests", responses=_doc(_LIST))
async def list_requests(fmt: str, session: SessionDep, request: Request) -> Response:
    """Requests by `service_request_id` (a comma list, overriding every other filter) or by `service_code`,
    `status`, `start_date`/`end_date` (90 days at most), `updated_after`/`updated_before`, `page`/`page_size`."""
    kind = _format(fmt)
    params = _query(request)
    caller = await optional_key(session, params.get("api_key"), "get_service_requests")
    query = queries.read_query(params, request.app.state.clock.now())
    reports = await queries.list_requests(session, caller, query)
    return respond(kind, "service_requests", await _records(session, request, caller, reports, params))


@router.get("/requests/{request_id}.{fmt}", summary="One service request (a list of one)", responses=_doc(_LIST))
async def get_request(request_id: str, fmt: str, session: SessionDep, request: Request) -> Response:
    """One request, as a list of one in both formats (`extensions=true` adds its timeline as notes)."""
    kind = _format(fmt)
    params = _query(request)
    caller = await optional_key(session, params.get("api_key"), "get_service_request")
    report = await queries.get_request(session, caller, request_id)
    return respond(kind, "service_requests", await _records(session, request, caller, [report], params))


@router.get("/tokens/{token}.{fmt}", summary="The request a token became", responses=_doc(_LIST))
async def token(token: str, fmt: str, session: SessionDep) -> Response:
    """The request filed with this client id (`attribute[fixmystreet_id]` or `client_id`) as its token."""
    kind = _format(fmt)
    ids = await queries.by_token(session, token)
    if not ids:
        raise Missing(f"no request with token {token!r}", field="token")
    return respond(kind, "service_requests", [{"service_request_id": str(i), "token": token} for i in ids])


@router.get(
    "/servicerequestupdates.{fmt}",
    summary="Updates to requests in a time window (api_key required)",
    responses=_doc(_LIST),
)
async def list_updates(fmt: str, session: SessionDep, request: Request) -> Response:
    """mySociety's extension: changes to cases in the key's region between `start_date` and `end_date`
    (the last 2 hours by default), with stable `update_id`s."""
    kind = _format(fmt)
    params = _query(request)
    caller = await require_key(session, params.get("api_key"), "get_service_request_updates")
    window = updates.read_window(params, request.app.state.clock.now())
    return respond(kind, "service_request_updates", await updates.list_updates(session, caller, window))


@router.post("/servicerequestupdates.{fmt}", summary="Post a citizen update (api_key required)", responses=_doc(_LIST))
async def post_update(fmt: str, session: SessionDep, request: Request) -> Response:
    """A citizen's update on a request this key filed, kept as a comment; a resend of its `update_id`
    answers the first one."""
    kind = _format(fmt)
    params = await _form(request)
    caller = await require_key(session, params.get("api_key"), "post_service_request_update")
    update_id = await updates.post_update(session, request, caller, params)
    return respond(kind, "service_request_updates", [{"update_id": update_id, "account_id": None}])


@router.api_route("/{rest:path}", methods=["GET", "POST"], include_in_schema=False)
async def unknown(rest: str) -> Response:
    raise Missing(f"no resource {rest!r}")


async def _records(
    session: AsyncSession, request: Request, caller: Caller | None, reports: Sequence[Report], params: Params
) -> list[dict[str, Any]]:
    cache = request.app.state.categories
    await cache.names(session, {r.category_code for r in reports})
    ids = [r.id for r in reports]
    extras = await intake.get_extras(session, ids) if ids else {}
    notes = await queries.timelines(session, ids) if ids and params.get("extensions") == "true" else None

    def own(report: Report) -> bool:
        return caller is not None and report.submitter_id == caller.actor.id

    return [
        presenters.record(
            r, cache, extras.get(r.id), contact=own(r), events=None if notes is None else notes.get(r.id, [])
        )
        for r in reports
    ]
