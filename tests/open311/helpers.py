"""Open311 test helpers: an API key, a FixMyStreet-shaped form, and the XML read as FixMyStreet reads it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx

from tests import factories as f
from tests.worlds import World

BASE = "/open311/v2/"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


async def make_key(client: httpx.AsyncClient, world: World, region: str = f.COUNTY_A) -> str:
    made = await client.post("/api/v1/apikeys", json={"name": "FixMyStreet", "region_code": region},
                             headers=world["admin"])  # fmt: skip
    assert made.status_code == 201, made.text
    return str(made.json()["key"])


def fms_form(key: str, **overrides: Any) -> list[tuple[str, str]]:
    """What FixMyStreet's client sends for a pinned report (every field, some empty)."""
    fields: dict[str, Any] = {
        "jurisdiction_id": "gridpatrol.example",
        "api_key": key,
        "service_code": "safety.fire",
        "description": "Straw by the stove\r\n\r\nPiled against the kitchen wall\r\n\r\nhttps://fms.example/report/42",
        "first_name": "Li",
        "last_name": "Wei",
        "email": "li@example.org",
        "phone": "13812345678",
        "lat": "32.005",
        "long": "120.905",
        "deviceid": "",
        "media_url": ["https://fms.example/photo/42.0.jpeg", "https://fms.example/photo/42.1.jpeg"],
        "attribute[fixmystreet_id]": "42",
        "attribute[severity]": "",
        "attribute[uprn]": "",
    }
    fields.update(overrides)
    out: list[tuple[str, str]] = []
    for name, value in fields.items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            out.append((name, str(item)))
    return out


def xml(response: httpx.Response, root: str | None = None) -> ET.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8", response.text
    assert response.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    doc = ET.fromstring(response.content)
    if root is not None:
        assert doc.tag == root
    assert "{" not in doc.tag  # no namespace
    return doc


def fields(element: ET.Element) -> dict[str, str | None]:
    """Child elements by tag, an empty element as None (as FixMyStreet reads them)."""
    return {child.tag: (child.text or None) for child in element}


def errors_of(response: httpx.Response) -> list[tuple[str, str]]:
    if response.headers["content-type"].startswith("application/json"):
        return [(str(e["code"]), e["description"]) for e in response.json()]
    doc = xml(response, "errors")
    return [(e.findtext("code") or "", e.findtext("description") or "") for e in doc.findall("error")]
