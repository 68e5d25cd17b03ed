"""/docs and /redoc work on an intranet: every script, style and icon they load comes from this server."""

from __future__ import annotations

import re

import httpx
import pytest

REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
ABSOLUTE = re.compile(r"""["'(]\s*(?:https?:)?//""")


def _references(html: str) -> list[str]:
    return REFERENCE.findall(html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_page_references_only_this_server(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    references = _references(response.text)
    assert references, "the page loads its assets"
    assert all(ref.startswith("/") and not ref.startswith("//") for ref in references), references
    assert not ABSOLUTE.search(response.text), "no URL to another host anywhere in the page"
    assert "/openapi.json" in response.text


@pytest.mark.parametrize(
    ("page", "kinds"),
    [("/docs", {"javascript", "css", "png"}), ("/redoc", {"javascript", "png"})],
)
async def test_every_asset_answers_from_this_server(client: httpx.AsyncClient, page: str, kinds: set[str]) -> None:
    html = (await client.get(page)).text
    seen: set[str] = set()
    for ref in _references(html):
        asset = await client.get(ref)
        assert asset.status_code == 200, ref
        assert len(asset.content) > 1_000, ref
        content_type = asset.headers["content-type"]
        seen |= {kind for kind in kinds if kind in content_type}
    assert seen == kinds


async def test_swagger_ui_does_not_send_the_document_to_an_online_validator(client: httpx.AsyncClient) -> None:
    html = (await client.get("/docs")).text
    assert '"validatorUrl": null' in html
