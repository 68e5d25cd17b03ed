"""Which exceptions mean "the database cannot be reached" rather than "this request is wrong".

A refused or dropped connection, a database that is starting up or out of connections, an exhausted
pool: the request may well succeed in a moment, so it answers 503 with Retry-After (core.errors).
Errors raised while connecting are not always wrapped by SQLAlchemy (asyncpg raises OSError or its
own errors from connect), so those are listed too.
"""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import exc as sa

RETRY_AFTER_S = 5

OUTAGES: tuple[type[Exception], ...] = (
    sa.DBAPIError,  # narrowed by is_outage: OperationalError, InterfaceError, invalidated connections
    sa.TimeoutError,  # no connection free in the pool
    ConnectionError,  # refused, reset, aborted
    TimeoutError,  # asyncpg's connect timeout
    asyncpg.PostgresConnectionError,  # class 08
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,  # the connection was closed under us
)


def is_outage(exc: BaseException) -> bool:
    if isinstance(exc, sa.DBAPIError):
        return exc.connection_invalidated or isinstance(exc, sa.OperationalError | sa.InterfaceError)
    return isinstance(exc, OUTAGES)
