"""What the worker knows of one claimed job and how it spaces out retries: value types and pure helpers."""

from __future__ import annotations

import os
import random
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.core.jobs.registry import Registration

MAX_BACKOFF_S = 3600.0
JITTER = 0.1  # up to +10 % of the delay, so retries of many jobs failing together spread out
MAX_ERROR_CHARS = 2000


class UnknownJobKind(Exception):
    """A job whose kind no handler is registered for (it is retried, then ends dead)."""


class FailureNotRecorded(Exception):
    """The handler failed and its transaction broke too; carries the handler's own error."""

    def __init__(self, handler_error: Exception) -> None:
        super().__init__(describe(handler_error))
        self.handler_error = handler_error


@dataclass(frozen=True)
class Claimed:
    """The facts of a claimed job, read once (handlers may expire or reload ORM state)."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int  # this run's number: attempts so far + 1
    max_attempts: int


@dataclass(frozen=True)
class Leased:
    """A job whose outside part is to run: its claim is committed with a lease."""

    job: Claimed
    registration: Registration
    work: object


@dataclass
class JobCounters:
    ran: int = 0  # handler invocations (any outcome)
    done: int = 0
    failed: int = 0  # failed attempts, including the last one of a job that died
    dead: int = 0


def backoff(attempt: int, rng: random.Random) -> timedelta:
    """2^attempt seconds, capped at an hour, plus up to 10 % jitter."""
    base = min(2.0**attempt, MAX_BACKOFF_S)
    return timedelta(seconds=base * (1 + JITTER * rng.random()))


def describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
