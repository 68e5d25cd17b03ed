"""What the log may say about an error: its type and where it happened, never its message.

Exception messages carry data. A PostgreSQL error's DETAIL repeats the failing row (a password
hash, a phone number), "invalid input syntax" quotes the value, SQLAlchemy appends the statement's
parameters, and an application error may name a username. So a logged exception is rendered as its
chain of types and frames; a database error adds what is structural (SQLSTATE, constraint, table,
column), never a value. SQL, its parameters and result rows are kept out of the log at any level.
"""

from __future__ import annotations

import logging
import traceback

# Loggers that write SQL, bound parameters or result rows when the root level is DEBUG or INFO.
SQL_LOGGERS = ("sqlalchemy.engine", "aiosqlite")
_DB_FACTS = ("sqlstate", "constraint_name", "table_name", "column_name", "sqlite_errorname")


def quiet_sql_loggers() -> None:
    """SQL, parameters and rows never reach the log, whatever level the root logger is at."""
    for name in SQL_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def _chain(exc: BaseException) -> list[BaseException]:
    """exc and the exceptions it was raised from or during, innermost first (as Python prints them)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and not any(current is e for e in seen):
        seen.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return list(reversed(seen))


def _name(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def describe_error(exc: BaseException) -> str:
    """The exception's type, with the database's SQLSTATE, constraint, table and column when known."""
    facts: dict[str, str] = {}
    for link in _chain(exc):
        for attr in _DB_FACTS:
            value = getattr(link, attr, None)
            if isinstance(value, str | int) and value != "":
                facts.setdefault(attr, str(value))
    if not facts:
        return _name(exc)
    return f"{_name(exc)} ({', '.join(f'{k}={v}' for k, v in facts.items())})"


def safe_traceback(exc: BaseException) -> str:
    """The traceback of exc and its causes: frames and types, each message withheld."""
    parts: list[str] = []
    for i, link in enumerate(_chain(exc)):
        if i:
            parts.append("\nThe above exception led to the following one:\n\n")
        if link.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.StackSummary.extract(traceback.walk_tb(link.__traceback__)).format())
        parts.append(f"{describe_error(link)} (message withheld from the log)\n")
    return "".join(parts).rstrip("\n")


class RedactingFilter(logging.Filter):
    """For a handler: a record's exception is written by safe_traceback, without its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()}\n{safe_traceback(record.exc_info[1])}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


class AccessLogFilter(logging.Filter):
    """uvicorn's access log without query strings (they carry coordinates, codes and filters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True
