"""One body, two formats: a document (dicts, lists, scalars) rendered as the spec's XML or as JSON.

XML: `<?xml version="1.0" encoding="utf-8"?>`, no namespace, a list's items repeated under its
singular tag (`ITEM_TAGS`), None as an empty element, booleans `true|false`, times UTC with `Z`.
JSON: the same document; the root is an array for every list resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any
from xml.sax.saxutils import escape

from starlette.responses import Response

from app.core.schemas import iso_utc

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"

# The tag of each item of a list, by the list's tag.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "errors": "error",
    "groups": "group",
    "media_urls": "media_url",
}


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # no XML 1.0 document holds these


class Format(StrEnum):
    XML = "xml"
    JSON = "json"


def scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso_utc(value.replace(microsecond=0))
    return str(value)


def _xml(tag: str, value: Any, out: list[str]) -> None:
    if isinstance(value, Mapping):
        out.append(f"<{tag}>")
        for key, item in value.items():
            _xml(key, item, out)
        out.append(f"</{tag}>")
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS.get(tag, "item")
        out.append(f"<{tag}>")
        for item in value:
            _xml(item_tag, item, out)
        out.append(f"</{tag}>")
    elif value is None:
        out.append(f"<{tag}/>")
    else:
        out.append(f"<{tag}>{escape(_NOT_XML.sub('', scalar(value)))}</{tag}>")


def to_xml(root: str, body: Any) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?>\n']
    _xml(root, body, out)
    return "".join(out).encode()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return scalar(value)
    return value


def respond(fmt: Format, root: str, body: Mapping[str, Any] | Sequence[Any], status: int = 200) -> Response:
    """`body` as `<root>…</root>` (XML) or as itself (JSON)."""
    if fmt is Format.JSON:
        text = json.dumps(_jsonable(body), ensure_ascii=False, separators=(",", ":"))
        return Response(text.encode(), status_code=status, media_type=JSON_TYPE)
    return Response(to_xml(root, body), status_code=status, media_type=XML_TYPE)


def errors(fmt: Format, status: int, problems: Sequence[tuple[int, str]]) -> Response:
    """The spec's error envelope: `<errors><error><code/><description/></error></errors>` or
    `[{"code": 403, "description": "…"}]`."""
    body = [{"code": code, "description": description} for code, description in problems]
    return respond(fmt, "errors", body, status)
