"""A body that is not what the API reads answers a problem that names `body` and says what is wrong."""

from __future__ import annotations

import httpx
import pytest

URL = "/api/v1/auth/token"


@pytest.mark.parametrize(
    ("content", "content_type", "says"),
    [
        (b'{"username": "a", ', "application/json", "the body is not valid JSON at character"),
        (b"\xff\xfe", "application/json", "the body is not valid JSON at character 0"),
        (b"", "application/json", "the body is missing"),
        (b"[1, 2]", "application/json", "the body must be a JSON object"),
        (b"username=a&password=b", "application/x-www-form-urlencoded", "(got application/x-www-form-urlencoded)"),
        (b'{"username": "a"}', "text/plain", "Content-Type: application/json (got text/plain)"),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_named_body(
    client: httpx.AsyncClient, content: bytes, content_type: str, says: str
) -> None:
    response = await client.post(URL, content=content, headers={"content-type": content_type})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["field"] == "body"
    assert says in problem["detail"]
    assert problem["errors"][0]["field"] == "body"


async def test_a_field_error_still_names_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"username": "a"})
    assert response.status_code == 422
    assert response.json()["field"] == "password"
    assert response.json()["detail"].startswith("password: ")
