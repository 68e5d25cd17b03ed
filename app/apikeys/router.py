"""Admin HTTP for API keys: POST answers the key once; GET lists; DELETE revokes."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.accounts.deps import AdminDep
from app.apikeys import service
from app.apikeys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from app.core.deps import ClockDep, SessionDep
from app.core.ids import parse_id
from app.models import ApiKey

router = APIRouter(tags=["api keys"])


def _read(key: ApiKey, principal: str) -> ApiKeyRead:
    return ApiKeyRead(
        id=str(key.id), name=key.name, prefix=key.prefix, region_code=key.region_code, principal=principal,
        created_at=key.created_at, revoked_at=key.revoked_at,
    )  # fmt: skip


@router.post("/apikeys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED, summary="Make an API key")
async def create_key(
    body: ApiKeyCreate, admin: AdminDep, session: SessionDep, clock: ClockDep, response: Response
) -> ApiKeyCreated:
    """A key for a system (an Open311 client, say) whose requests land in `region_code` only. The key
    is in this answer and nowhere else: it is stored as a SHA-256."""
    issued = await service.create_key(
        session, name=body.name, region_code=body.region_code, created_by_id=admin.id, now=clock.now()
    )
    response.headers["Location"] = f"/api/v1/apikeys/{issued.row.id}"
    return ApiKeyCreated(**_read(issued.row, issued.principal).model_dump(), key=issued.key)


@router.get("/apikeys", response_model=list[ApiKeyRead], summary="API keys (never the keys themselves)")
async def list_keys(_: AdminDep, session: SessionDep) -> list[ApiKeyRead]:
    """Every key with its prefix, region and whether it is revoked."""
    return [_read(key, principal) for key, principal in await service.list_keys(session)]


@router.delete("/apikeys/{key_id}", response_model=ApiKeyRead, summary="Revoke an API key")
async def revoke_key(key_id: str, _: AdminDep, session: SessionDep, clock: ClockDep) -> ApiKeyRead:
    """The key stops working at once; revoking a revoked key answers it unchanged."""
    key, principal = await service.revoke_key(session, parse_id(key_id, "API key"), now=clock.now())
    return _read(key, principal)
