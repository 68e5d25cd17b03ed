"""Reads of the accounts domain: users with their region and grid, sign-in lookups."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level, Role, region_prefix
from app.core.errors import Invalid
from app.core.pagination import decode_cursor, encode_cursor
from app.models import AuthSession, Grid, RefreshToken, Region, Unit, User

MAX_PAGE = 200


@dataclass(frozen=True)
class UserView:
    """A user with what a reader needs beside it: its region row and its grid's code."""

    user: User
    region: Region | None
    grid_code: str | None
    unit_code: str | None = None


def _user_views() -> Select[User, Region, str, str]:
    return (
        select(User, Region, Grid.code, Unit.code)
        .outerjoin(Region, Region.code == User.region_code)
        .outerjoin(Grid, Grid.id == User.grid_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
    )


async def get_user_view(session: AsyncSession, user_id: int) -> UserView | None:
    row = (await session.execute(_user_views().where(User.id == user_id))).first()
    return UserView(row[0], row[1], row[2], row[3]) if row else None


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_unit_by_code(session: AsyncSession, code: str) -> Unit | None:
    return (await session.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()


async def get_user_by_username(session: AsyncSession, username: str) -> User | None:
    return (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()


async def get_region(session: AsyncSession, code: str) -> Region | None:
    return await session.get(Region, code)


async def get_grid_by_code(session: AsyncSession, code: str) -> Grid | None:
    return (await session.execute(select(Grid).where(Grid.code == code))).scalar_one_or_none()


async def get_active_worker_id(session: AsyncSession, grid_id: int) -> int | None:
    """The id of the grid's active full-time worker, if it has one."""
    stmt = select(User.id).where(User.grid_id == grid_id, User.role == Role.GRID_WORKER, User.active.is_(True))
    return (await session.execute(stmt)).scalars().first()


async def count_admins(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(User).where(User.role == Role.ADMIN)
    return int((await session.execute(stmt)).scalar_one())


async def get_refresh_token(session: AsyncSession, token_hash: str) -> tuple[RefreshToken, AuthSession] | None:
    """A refresh token by its hash, with the login session (family) it belongs to."""
    stmt = (
        select(RefreshToken, AuthSession)
        .join(AuthSession, AuthSession.id == RefreshToken.session_id)
        .where(RefreshToken.token_hash == token_hash)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def list_users(
    session: AsyncSession,
    *,
    role: Role | None = None,
    region_code: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[UserView], str | None]:
    """Users by id, optionally of one role and inside one region (its whole subtree)."""
    size = min(max(limit, 1), MAX_PAGE)
    stmt = _user_views().order_by(User.id).limit(size + 1)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if region_code is not None:
        region = await get_region(session, region_code)
        if region is None:
            raise Invalid(f"no region has the code {region_code}", field="region_code")
        stmt = stmt.where(User.region_code.startswith(region_prefix(region.code, Level(region.level))))
    if cursor:
        stmt = stmt.where(User.id > decode_cursor(cursor, (int,))[0])
    rows = (await session.execute(stmt)).all()
    page = [UserView(r[0], r[1], r[2], r[3]) for r in rows[:size]]
    next_cursor = encode_cursor([page[-1].user.id]) if len(rows) > len(page) else None
    return page, next_cursor
