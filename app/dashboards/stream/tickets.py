"""Stream tickets: short-lived, signed, good for `GET /stream` only.

A browser's EventSource cannot send a bearer header, and a long-lived token in a URL ends up in
logs. A ticket lives `stream_ticket_ttl_s` (60 s by default), names the sign-in session it was
issued under (signing out or revoking that session refuses it at once) and carries `typ` "stream":
the access-token check refuses it (it accepts `typ` "access" only), so it is no API token. Within
its lifetime it may open the stream again (EventSource reconnects by itself with the same URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from app.core.ids import as_id
from app.core.security import ALGORITHM

TYPE = "stream"
AUDIENCE = "gridpatrol:stream"


@dataclass(frozen=True)
class TicketClaims:
    user_id: int
    session_id: str


def issue(secret: str, *, user_id: int, session_id: str, now: datetime, ttl_s: int) -> tuple[str, datetime]:
    expires_at = now + timedelta(seconds=ttl_s)
    payload = {"sub": str(user_id), "sid": session_id, "typ": TYPE, "aud": AUDIENCE,
               "iat": int(now.timestamp()), "exp": int(expires_at.timestamp())}  # fmt: skip
    return jwt.encode(payload, secret, algorithm=ALGORITHM), expires_at.replace(microsecond=0)


def read(secret: str, ticket: str, *, now: datetime) -> TicketClaims | None:
    """The ticket's claims, or None: malformed, forged, expired at `now`, or no stream ticket."""
    try:
        payload = jwt.decode(
            ticket, secret, algorithms=[ALGORITHM], audience=AUDIENCE,
            options={"verify_exp": False, "verify_iat": False, "require": ["exp", "sub", "aud"]},
        )  # fmt: skip
    except jwt.PyJWTError:
        return None
    sub, sid, exp = payload.get("sub"), payload.get("sid"), payload.get("exp")
    user_id = as_id(sub) if isinstance(sub, str) else None
    if payload.get("typ") != TYPE or user_id is None or not isinstance(sid, str) or not sid:
        return None
    if type(exp) is not int or not int(now.timestamp()) < exp:
        return None
    return TicketClaims(user_id=user_id, session_id=sid)
