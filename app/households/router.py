"""HTTP for the household roster: import, list, export, reveal (audited), the tag list. Thin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, UploadFile
from fastapi.responses import Response

from app.accounts.deps import ScopeDep
from app.core.deps import ClockDep, SessionDep
from app.core.errors import Invalid, PayloadTooLarge
from app.core.pagination import Page
from app.geo.coords import Crs
from app.households import queries, roster, service
from app.households.schemas import AuditEntry, HouseholdContact, HouseholdRead, ImportAnswer, TagCreate, TagRead
from app.households.tabular import BadFile, read_sheet, write_csv, write_xlsx

router = APIRouter(tags=["households"])

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"schema": {"type": "string", "format": "binary"}}
EXPORT_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"content": {XLSX: BINARY, "text/csv": BINARY}, "description": "The roster as .xlsx or .csv"}
}


@router.post(
    "/households/import", response_model=ImportAnswer, summary="Import a town's roster (.xlsx, .csv), all or nothing",
    responses={422: {"description": "A row is wrong: nothing imported; `errors` lists [{row, column, message}]"}},
)  # fmt: skip
async def import_households(
    region_code: str, file: UploadFile, scope: ScopeDep, session: SessionDep, clock: ClockDep
) -> ImportAnswer:
    """Columns by English or Chinese header: grid_code 网格编码, address 门牌地址, head_name 户主, phone 电话,
    members 人数, tags 标签 (by code or Chinese name, separated by `,` or `；`), lat 纬度, lon 经度, crs 坐标系.
    A known (grid, address) is updated, a new one added; each grid must then hold 300–500 households."""
    town = await roster.town_for_import(session, scope, region_code)
    data = await file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLarge(f"a roster file is at most {MAX_FILE_BYTES} bytes", field="file")
    try:
        sheet = read_sheet(data, file.filename or "", MAX_ROWS)
    except BadFile as exc:
        problem = {"row": None, "column": None, "message": str(exc)}
        raise Invalid(str(exc), field="file", imported=0, errors=[problem]) from None
    imported = await roster.import_roster(session, scope, town, sheet, clock.now())
    return ImportAnswer(imported=imported, errors=[])


@router.get("/households", response_model=Page[HouseholdRead], summary="Households (names and phones masked)")
async def list_households(
    scope: ScopeDep,
    session: SessionDep,
    grid_code: str | None = None,
    tag: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    crs: Crs = Crs.WGS84,
) -> Page[HouseholdRead]:
    """`tag` by code or Chinese name; a sensitive tag only for users cleared for it (422 otherwise)."""
    code = await queries.check_tag(session, scope, tag) if tag is not None else None
    rows, next_cursor = await queries.list_households(
        session, scope.actor, grid_code=grid_code, tag=code, cursor=cursor, limit=limit
    )
    tags = await queries.tags_of(session, [h.id for h in rows], scope)
    items = [service.household_read(h, tags.get(h.id, []), scope, crs) for h in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.get("/households/export", summary="A region's roster as .xlsx or .csv (the import's columns)",
            responses=EXPORT_RESPONSE, response_class=Response)  # fmt: skip
async def export_households(
    region_code: str,
    scope: ScopeDep,
    session: SessionDep,
    format: Annotated[str, Query(pattern="^(xlsx|csv)$")] = "xlsx",
) -> Response:
    """The roster of a region inside the caller's jurisdiction, with the import's Chinese headers; names and
    phones masked except to admins; sensitive tags only for cleared users."""
    headers, rows = await service.export_rows(session, scope, region_code)
    if format == "csv":
        body, media = write_csv(headers, rows), "text/csv; charset=utf-8"
    else:
        body, media = write_xlsx(headers, rows), XLSX
    disposition = f'attachment; filename="households-{region_code}.{format}"'
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/households/{household_id}", response_model=HouseholdRead, summary="One household")
async def get_household(household_id: str, scope: ScopeDep, session: SessionDep, crs: Crs = Crs.WGS84) -> HouseholdRead:
    """One household in the caller's jurisdiction (404 otherwise), name and phone masked."""
    household = await queries.get_household(session, scope.actor, household_id)
    tags = await queries.tags_of(session, [household.id], scope)
    return service.household_read(household, tags.get(household.id, []), scope, crs)


@router.post("/households/{household_id}/contact", response_model=HouseholdContact,
             summary="Reveal the head of household's name and phone (audited)")  # fmt: skip
async def reveal_contact(household_id: str, scope: ScopeDep, session: SessionDep, clock: ClockDep) -> HouseholdContact:
    """The head of household's name and phone in clear, for the grid's worker or a centre over it; every
    reveal is written to the household's audit (GET …/audit)."""
    return await service.reveal_contact(session, scope, household_id, clock.now())


@router.get("/households/{household_id}/audit", response_model=list[AuditEntry], summary="Who revealed this contact")
async def household_audit(household_id: str, scope: ScopeDep, session: SessionDep) -> list[AuditEntry]:
    """Who revealed this household's contact, and when, oldest first."""
    entries = await service.audit_of(session, scope, household_id)
    return [AuditEntry(actor=e.actor, action=e.action, at=e.at) for e in entries]


@router.get("/household-tags", response_model=list[TagRead], summary="The managed tag list (sensitive ones if cleared)")
async def list_tags(scope: ScopeDep, session: SessionDep) -> list[TagRead]:
    """The managed tag list; sensitive tags (mental_disorder, community_correction) only for cleared users."""
    return [TagRead(code=t.code, name=t.name, sensitive=t.sensitive) for t in await queries.list_tags(session, scope)]


@router.post("/household-tags", response_model=TagRead, status_code=201, summary="Add a tag (admins)")
async def create_tag(data: TagCreate, scope: ScopeDep, session: SessionDep) -> TagRead:
    """An admin adds a tag to the managed list (code, Chinese name, sensitive or not)."""
    tag = await service.create_tag(session, scope, data)
    return TagRead(code=tag.code, name=tag.name, sensitive=tag.sensitive)
