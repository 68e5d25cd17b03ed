"""Accept request bodies sent with `Content-Encoding: gzip` (phones on weak networks compress).

The body is inflated incrementally with a cap on the inflated size, so a small "zip bomb" gets 413
instead of filling memory; a corrupt or truncated stream, or bytes after its end (a second member,
smuggled data), gets 400; any other encoding 415. The app downstream
sees a plain body without the Content-Encoding header.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.bodylimit import body_limit
from app.core.errors import problem_body, problem_response


class _Refused(Exception):
    def __init__(self, status: int, type_: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.type, self.title, self.detail = status, type_, title, detail


class GzipRequestMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, larger: Sequence[tuple[re.Pattern[str], int]] = ()) -> None:
        self.app = app
        self.default = max_bytes
        self.larger = tuple(larger)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        encoding = _header(scope, b"content-encoding")
        if scope["type"] != "http" or encoding in (None, b"identity"):
            await self.app(scope, receive, send)
            return
        try:
            if encoding.lower() != b"gzip":
                raise _Refused(415, "/problems/unsupported-encoding", "Unsupported encoding",
                               "request bodies may be sent plain or with Content-Encoding: gzip")  # fmt: skip
            body = await self._inflate(receive, body_limit(scope, self.default, self.larger))
        except _Refused as refused:
            problem = problem_body(refused.status, refused.type, refused.title, refused.detail, field="body")
            await problem_response(refused.status, problem)(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-encoding", b"content-length")]
        inner = {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # after the body: disconnects and the like
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(inner, replay, send)

    async def _inflate(self, receive: Receive, limit: int) -> bytes:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        out = bytearray()
        more = True
        try:
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    raise _Refused(400, "/problems/bad-request", "Bad request", "the client went away")
                more = message.get("more_body", False)
                out += inflater.decompress(message.get("body", b""), limit + 1 - len(out))
                if len(out) > limit or inflater.unconsumed_tail:
                    raise _Refused(413, "/problems/too-large", "Payload too large",
                                   f"the inflated request body is larger than {limit} bytes")  # fmt: skip
            out += inflater.flush()
        except zlib.error as exc:
            raise _Refused(400, "/problems/bad-encoding", "Bad gzip body", f"the gzip body is corrupt: {exc}") from exc
        if not inflater.eof:
            raise _Refused(400, "/problems/bad-encoding", "Bad gzip body", "the gzip body is truncated")
        if inflater.unused_data:
            detail = "there are bytes after the end of the gzip body"
            raise _Refused(400, "/problems/bad-encoding", "Bad gzip body", detail)
        return bytes(out)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None
