"""Auth (token, refresh, logout) and user administration, under /api/v1."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import queries, service, signin, throttle
from app.accounts.actor import Role
from app.accounts.deps import ActorDep, AdminDep
from app.accounts.passwords import PasswordChecker
from app.accounts.schemas import RefreshRequest, TokenPair, TokenRequest, UserCreate, UserRead, UserUpdate
from app.core.config import Settings
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.errors import NotFound
from app.core.ids import parse_id
from app.core.pagination import Page

router = APIRouter()


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {}}}


Responses = dict[int | str, dict[str, Any]]
UNAUTHORIZED: Responses = {401: _problem("No valid credentials")}
ADMIN_ONLY: Responses = {401: _problem("No valid credentials"), 403: _problem("The caller is not an admin")}


def _policy(request: Request, settings: SettingsDep) -> service.TokenPolicy:
    return service.TokenPolicy(
        secret=request.app.state.jwt_secret,
        access_ttl_s=settings.access_token_ttl_s,
        refresh_ttl_s=settings.refresh_token_ttl_s,
    )


def _pair(issued: service.IssuedTokens) -> TokenPair:
    return TokenPair(access_token=issued.access_token, refresh_token=issued.refresh_token, expires_in=issued.expires_in)


@router.post(
    "/auth/token",
    tags=["auth"],
    summary="Sign in with username and password",
    responses={
        **UNAUTHORIZED,
        429: _problem("Too many failed sign-ins for this account or address; `Retry-After` says when to retry"),
        503: _problem("Too many sign-ins are being checked at once; `Retry-After` says when to retry"),
    },
)
async def issue_token(
    body: TokenRequest, request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> TokenPair:
    """Sign in: an access token (15 minutes; send it as `Authorization: Bearer …`) and a refresh token
    (30 days, one use). Wrong credentials and inactive users are both 401."""
    checker: PasswordChecker = request.app.state.passwords
    address = request.client.host if request.client else "unknown"
    async with checker.slot():
        attempt = await signin.begin_sign_in(
            session, username=body.username, address=address, limits=_limits(settings), now=clock.now()
        )
        await session.commit()  # the count is seen by concurrent guesses; no lock is held during the check
        issued = await signin.finish_sign_in(
            session, attempt, body.password, checker=checker, now=clock.now(), policy=_policy(request, settings)
        )
    return _pair(issued)


def _limits(settings: Settings) -> signin.SignInLimits:
    def limits(max_failures: int) -> throttle.Limits:
        return throttle.Limits(
            max_failures=max_failures,
            lockout_s=settings.login_lockout_s,
            max_lockout_s=settings.login_lockout_max_s,
            forget_after_s=settings.login_forget_after_s,
        )

    return signin.SignInLimits(
        account=limits(settings.login_account_max_failures), address=limits(settings.login_address_max_failures)
    )


@router.post(
    "/auth/refresh",
    tags=["auth"],
    summary="Trade a refresh token for a new pair (each refresh token works once)",
    responses=UNAUTHORIZED,
)
async def refresh_token(
    body: RefreshRequest, request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> TokenPair:
    """A new access and refresh token for a refresh token. Each refresh token works once: reusing an
    already rotated one revokes the whole login (someone copied it)."""
    try:
        issued = await service.rotate_refresh_token(
            session, refresh_token=body.refresh_token, now=clock.now(), policy=_policy(request, settings)
        )
    except service.RefreshTokenReused:
        await session.commit()  # the revocation must outlive the refusal
        raise
    return _pair(issued)


@router.post(
    "/auth/logout",
    tags=["auth"],
    summary="End the caller's session: its access and refresh tokens stop working",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=UNAUTHORIZED,
)
async def logout(actor: ActorDep, session: SessionDep, clock: ClockDep) -> Response:
    """Ends the caller's login: its access token and refresh token stop working at once."""
    if actor.session_id is not None:
        await service.sign_out(session, actor.session_id, now=clock.now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/users",
    tags=["users"],
    summary="Create a user (admin)",
    status_code=status.HTTP_201_CREATED,
    responses={**ADMIN_ONLY, 409: _problem("Username taken, or the grid already has a worker")},
)
async def create_user(body: UserCreate, _: AdminDep, session: SessionDep, clock: ClockDep) -> UserRead:
    """An admin creates a user: a grid worker names its `grid_code` (one active worker per grid), an
    operator or informant its `region_code`, a unit member its `unit_code`."""
    user = await service.create_user(session, body, now=clock.now())
    return await _read(session, user.id)


@router.get("/users/me", tags=["users"], summary="The signed-in user", responses=UNAUTHORIZED)
async def read_me(actor: ActorDep, session: SessionDep) -> UserRead:
    """Who the access token belongs to: role, region or grid, clearance."""
    return await _read(session, actor.id)


@router.get("/users", tags=["users"], summary="List users (admin)", responses=ADMIN_ONLY)
async def list_users(
    _: AdminDep,
    session: SessionDep,
    role: Role | None = None,
    region_code: Annotated[str | None, Query(pattern=r"^\d{12}$", description="users inside this region")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 50,
) -> Page[UserRead]:
    """Users, filtered by role and region, paged by `cursor`."""
    views, next_cursor = await queries.list_users(
        session, role=role, region_code=region_code, cursor=cursor, limit=limit
    )
    items = [UserRead.of(v.user, region=v.region, grid_code=v.grid_code, unit_code=v.unit_code) for v in views]
    return Page[UserRead](items=items, next_cursor=next_cursor)


@router.get(
    "/users/{user_id}",
    tags=["users"],
    summary="One user (admin)",
    responses={**ADMIN_ONLY, 404: _problem("No such user")},
)
async def read_user(user_id: str, _: AdminDep, session: SessionDep) -> UserRead:
    """One user by id, with their role, region or grid and whether they are active."""
    return await _read(session, parse_id(user_id, "user", field="id"))


@router.patch(
    "/users/{user_id}",
    tags=["users"],
    summary="Change a user (admin); `active: false` deactivates and ends all its sessions",
    responses={**ADMIN_ONLY, 404: _problem("No such user"), 409: _problem("Not allowed in this state")},
)
async def update_user(
    user_id: str, body: UserUpdate, admin: AdminDep, session: SessionDep, clock: ClockDep
) -> UserRead:
    """Changes display name, phone, clearance, region or grid; `active: false` also ends every login."""
    user = await service.update_user(session, parse_id(user_id, "user", field="id"), body, now=clock.now(), by=admin.id)
    return await _read(session, user.id)


async def _read(session: AsyncSession, user_id: int) -> UserRead:
    view = await queries.get_user_view(session, user_id)
    if view is None:
        raise NotFound(f"no user has the id {user_id}", field="id")
    return UserRead.of(view.user, region=view.region, grid_code=view.grid_code, unit_code=view.unit_code)
