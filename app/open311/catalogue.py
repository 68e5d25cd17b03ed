"""Discovery, the service list and service definitions.

A service is an active leaf category that is not sensitive (a sensitive one is never listed, never
defined and never accepted). Its group is its parent's name; its keywords are its names and its
group's (never FixMyStreet's magic words `private`, `inactive`, `staff`). Every service declares
the same attributes: `severity` (optional, 1-4) and `fixmystreet_id`, which FixMyStreet fills with
its own report id: the key a resend after a lost reply is recognised by.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.categories.cache import CategoryCache, CategoryInfo
from app.open311.errors import Missing

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = datetime(2026, 11, 30, tzinfo=UTC)  # the services' shape last changed (attributes added)
DEDUP_ATTRIBUTE = "fixmystreet_id"
SEVERITIES = {"1": "一般 minor", "2": "较大 serious", "3": "重大 major", "4": "特别重大 critical"}


def discovery(base_url: str) -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": "GridPatrol command centre: see the operator of this deployment",
        "key_service": "API keys are issued by an administrator (POST /api/v1/apikeys, gridpatrol apikeys create)",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


async def open_services(session: AsyncSession, categories: CategoryCache) -> list[CategoryInfo]:
    await categories.reload(session)
    return [info for info in categories.all() if info.is_leaf and not info.sensitive]


async def service(session: AsyncSession, categories: CategoryCache, code: str) -> CategoryInfo:
    """The active, non-sensitive leaf category `code`; 404 otherwise."""
    info = await categories.get(session, code)
    if info is None or not info.is_leaf or info.sensitive:
        raise Missing(f"no service {code!r}", field="service_code")
    return info


def service_record(info: CategoryInfo, categories: CategoryCache) -> dict[str, Any]:
    parent = categories.get_cached(info.parent_code) if info.parent_code else None
    keywords = [info.name_zh, info.name_en, *([parent.name_zh, parent.name_en] if parent else [])]
    return {
        "service_code": info.code,
        "service_name": info.name_zh,
        "description": f"{info.name_zh} ({info.name_en})",
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(word.replace(",", " ") for word in keywords),
        "group": parent.name_zh if parent else None,
    }


def definition(info: CategoryInfo) -> dict[str, Any]:
    return {
        "service_code": info.code,
        "attributes": [
            {
                "variable": True,
                "code": "severity",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "1 (minor) to 4 (critical); the category's default when absent",
                "order": 1,
                "description": "How serious is it?",
                "values": [{"key": key, "name": name} for key, name in SEVERITIES.items()],
            },
            {
                "variable": False,
                "code": DEDUP_ATTRIBUTE,
                "datatype": "string",
                "required": False,
                "datatype_description": "the client's own id of the report: a resend with it answers the same request",
                "order": 2,
                "description": "Client report id (set by the client, not shown to the citizen)",
                "automated": "server_set",
            },
        ],
    }
