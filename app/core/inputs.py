"""What no request may carry anywhere: a NUL character or a lone surrogate in any text.

`Schema` refuses them in every model field; this dependency, installed on the whole app, refuses
them in what no model sees: path parameters, query parameters, header values and every string of
a JSON body (dict bodies and keys included), each with 422 naming the parameter or the JSON path.
It runs after routing (so it knows the parameter names) and before any handler or validation.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from app.core.errors import Invalid
from app.core.schemas import check_text

JSON_TYPES = ("application/json",)


async def refuse_bad_text(request: Request) -> None:
    for name, value in request.path_params.items():
        _check(str(value), name)
    for name, value in request.query_params.multi_items():
        _check(name, name)
        _check(value, name)
    for name, value in request.headers.items():
        _check(value, name)
    content_type = request.headers.get("content-type")
    if content_type is None or _is_json(content_type):  # FastAPI reads a body without a type as JSON
        await _check_json_body(request)


async def _check_json_body(request: Request) -> None:
    """NUL and lone surrogates reach a decoded JSON string only through a \\u escape: a body
    without one is clean and is not walked. FastAPI has decoded the body already (it is cached)."""
    if b"\\u" not in await request.body():
        return
    try:
        document = await request.json()
    except ValueError:
        return  # not JSON: the route's own validation answers that
    _walk(document, ())


def _walk(value: Any, path: tuple[str, ...]) -> None:
    if isinstance(value, str):
        _check(value, ".".join(path) or "body")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, (*path, str(index)))
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, ".".join((*path, key)) if _printable(key) else ".".join(path) or "body")
            _walk(item, (*path, key))


def _check(value: str, field: str) -> None:
    try:
        check_text(value)
    except ValueError as exc:
        raise Invalid(f"{field}: {exc}", field=field) from None


def _printable(text: str) -> bool:
    try:
        check_text(text)
    except ValueError:
        return False
    return True


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in JSON_TYPES or media.endswith("+json")
