"""Turn the bearer token into an Actor and a Scope; every router depends on these.

`install(app)` also lends the same authentication to the layers below accounts (app.core.auth).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Level, Role
from app.accounts.scope import Scope
from app.core.auth import bearer
from app.core.deps import SessionDep
from app.core.errors import Forbidden, Unauthorized
from app.core.security import decode_access_token
from app.models import AuthSession, Region, User


async def current_actor(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    return await authenticate(request, session, credentials)


async def authenticate(
    request: Request, session: AsyncSession, credentials: HTTPAuthorizationCredentials | None
) -> Actor:
    """The caller the bearer token names, if its session is live and its user active; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer access token is required")
    app_state = request.app.state
    claims = decode_access_token(app_state.jwt_secret, credentials.credentials, now=app_state.clock.now())
    if claims is None:
        raise Unauthorized("the access token is invalid or has expired")
    return await load_actor(session, claims.user_id, claims.session_id)


async def load_actor(session: AsyncSession, user_id: int, session_id: str) -> Actor:
    """The user of a sign-in session, if the session is live and the user active; 401 otherwise."""
    row = (
        await session.execute(
            select(User, AuthSession.revoked_at, Region.level)
            .join(AuthSession, AuthSession.user_id == User.id)
            .outerjoin(Region, Region.code == User.region_code)
            .where(User.id == user_id, AuthSession.id == session_id)
        )
    ).first()
    if row is None or row[1] is not None or not row[0].active:
        raise Unauthorized("the session has ended; sign in again")
    user, _, level = row
    return Actor(
        id=user.id,
        username=user.username,
        role=Role(user.role),
        region_code=user.region_code,
        region_level=Level(level) if level else None,
        grid_id=user.grid_id,
        sensitive_clearance=user.sensitive_clearance,
        session_id=session_id,
    )


ActorDep = Annotated[Actor, Depends(current_actor)]


async def _authenticate_scope(
    request: Request, session: AsyncSession, credentials: HTTPAuthorizationCredentials | None
) -> Scope:
    return Scope(await authenticate(request, session, credentials))


def install(app: FastAPI) -> None:
    """Authenticate the routes of the layers below accounts (core.auth.PrincipalDep) the same way."""
    app.state.authenticate = _authenticate_scope


def current_scope(actor: ActorDep) -> Scope:
    return Scope(actor)


ScopeDep = Annotated[Scope, Depends(current_scope)]


def require_roles(*roles: Role) -> Callable[[Actor], Actor]:
    def check(actor: ActorDep) -> Actor:
        if actor.role not in roles:
            raise Forbidden(f"this needs the role {' or '.join(r.value for r in roles)}")
        return actor

    return check


AdminDep = Annotated[Actor, Depends(require_roles(Role.ADMIN))]
