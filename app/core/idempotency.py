"""Create-or-replay, once for every idempotent write (reports, patrols, check-ins, visits, attachments).

A phone that lost the answer sends the same request again. The first request creates the record;
a replay with the same content answers the record as it is (`created=False`); a replay with other
content is 409 naming the key field. Two requests racing for the same key both end well: the loser
of the insert (ON CONFLICT DO NOTHING) finds the winner's record and answers it as a replay.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import orjson
from pydantic import BaseModel

from app.core.errors import AppError, Conflict

T = TypeVar("T")
U = TypeVar("U")


def content_hash(data: BaseModel) -> str:
    """SHA-256 of the model as canonical JSON: equal for the same content however the client spelled it."""
    return hashlib.sha256(orjson.dumps(data.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True)
class Replay(Generic[T]):
    """What an idempotent write answers: the record, and whether this request created it (201 vs 200)."""

    value: T
    created: bool

    def map(self, fn: Callable[[T], U]) -> Replay[U]:
        return Replay(fn(self.value), self.created)


async def create_or_replay(
    *,
    find: Callable[[], Awaitable[T | None]],
    create: Callable[[], Awaitable[T | None]],
    same: Callable[[T], bool],
    conflict: str,
    field: str = "client_id",
    insert_first: bool = False,
) -> Replay[T]:
    """The record `find` answers if there is one (a replay), else the one `create` makes.

    `create` validates and inserts; it answers None when a concurrent twin inserted first.
    `same(record)` says whether a replay carries the stored content; if not: 409 `conflict`.
    `insert_first` tries `create` before looking (one statement fewer for a new record); a refusal
    from `create` then still answers an existing record, which was validated when it was created.
    """
    if not insert_first:
        existing = await find()
        if existing is not None:
            return _replay(existing, same, conflict, field)
    try:
        made = await create()
    except AppError:
        existing = await find() if insert_first else None
        if existing is None:
            raise
        return _replay(existing, same, conflict, field)
    if made is not None:
        return Replay(made, created=True)
    existing = await find()
    if existing is None:  # the twin that won the insert is not visible to this transaction
        raise Conflict("a concurrent request with this key is still in flight; retry", field=field)
    return _replay(existing, same, conflict, field)


def _replay(existing: T, same: Callable[[T], bool], conflict: str, field: str) -> Replay[T]:
    if not same(existing):
        raise Conflict(conflict, field=field)
    return Replay(existing, created=False)
