"""Authentication as the layers below accounts see it: a caller who is signed in, or an admin.

Geography sits below accounts (accounts' users live in regions and grids), yet its routes need a
signed-in caller. Rather than import accounts upward, they depend on `PrincipalDep` here, and
accounts installs the function that turns a bearer token into a caller on `app.state.authenticate`
(`app.accounts.deps.install`). Accounts' own Scope satisfies `Principal`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.deps import SessionDep
from app.core.errors import Forbidden


class Principal(Protocol):
    """The signed-in caller: what geography asks of it."""

    @property
    def sees_all(self) -> bool: ...  # an admin

    def can_see_grid(self, grid_id: int, village_code: str) -> bool: ...


Authenticate = Callable[[Request, AsyncSession, HTTPAuthorizationCredentials | None], Awaitable[Principal]]

bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller, as the authenticator installed by accounts finds it (401 when there is none)."""
    authenticate: Authenticate = request.app.state.authenticate
    return await authenticate(request, session, credentials)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_admin(principal: PrincipalDep) -> Principal:
    if not principal.sees_all:
        raise Forbidden("this needs the role admin")
    return principal


AdminPrincipalDep = Annotated[Principal, Depends(require_admin)]
