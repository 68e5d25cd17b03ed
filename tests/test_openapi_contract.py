"""The OpenAPI document is what a phone developer learns the API from: every operation says what it
does, every JSON body comes with an example that the API accepts as valid, and every success
response documents the type and shape that is really sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.core.config import Settings
from app.core.schemas import Schema
from app.main import create_app

Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture(scope="module")
def api() -> FastAPI:
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:", jwt_secret="x" * 40, jobs_enabled=False)
    return create_app(settings)


@pytest.fixture(scope="module")
def document(api: FastAPI) -> dict[str, Any]:
    return api.openapi()


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema and, through $ref / anyOf / oneOf / allOf, every schema it stands for."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return resolve(document, document["components"]["schemas"][name])
    found = [schema]
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            found += resolve(document, option)
    return found


def test_every_operation_has_a_description(document: dict[str, Any]) -> None:
    missing = [f"{m} {p}" for m, p, op in operations(document) if len(op.get("description", "").strip()) < 20]
    assert missing == []


def test_every_json_request_body_has_an_example(document: dict[str, Any]) -> None:
    missing = []
    for method, path, operation in operations(document):
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            if "json" not in media_type:
                continue
            schemas = resolve(document, media.get("schema", {}))
            if not (media.get("example") or media.get("examples") or any(s.get("examples") for s in schemas)):
                missing.append(f"{method} {path}")
    assert missing == []


def _models_with_examples() -> Iterator[type[Schema]]:
    pending: list[type[Schema]] = [Schema]
    while pending:
        model = pending.pop()
        pending += model.__subclasses__()
        extra = model.model_config.get("json_schema_extra")
        if isinstance(extra, dict) and extra.get("examples"):
            yield model


def test_every_example_is_valid_for_its_model(api: FastAPI) -> None:
    """Examples are sent as printed by people trying the API: each must pass its own model."""
    checked, invalid = 0, []
    for model in _models_with_examples():
        for example in model.model_config["json_schema_extra"]["examples"]:  # type: ignore[index]
            checked += 1
            try:
                model.model_validate(example)
            except ValidationError as exc:
                invalid.append(f"{model.__name__}: {exc.errors()[0]}")
    assert checked >= 15 and invalid == []


def test_every_success_response_documents_its_type_and_schema(document: dict[str, Any]) -> None:
    undocumented = []
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if not status.startswith("2") or status == "204":
                continue
            content = response.get("content", {})
            if not content or any(not media.get("schema") for media in content.values()):
                undocumented.append(f"{method} {path} {status}")
    assert undocumented == []


def test_the_track_is_documented_as_geo_json_with_its_shape(document: dict[str, Any]) -> None:
    ok = document["paths"]["/api/v1/patrols/{patrol_id}/track"]["get"]["responses"]["200"]
    assert list(ok["content"]) == ["application/geo+json"]
    (shape,) = resolve(document, ok["content"]["application/geo+json"]["schema"])
    assert {"type", "features", "crs_name"} <= set(shape["properties"])


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/api/v1/patrols", "PatrolRead"),
        ("/api/v1/patrols/{patrol_id}/checkins", "CheckinRead"),
        ("/api/v1/visits", "VisitRead"),
        ("/api/v1/reports", "ReportRead"),
    ],
)
def test_a_replay_answer_has_the_same_schema_as_the_creation(document: dict[str, Any], path: str, schema: str) -> None:
    responses = document["paths"][path]["post"]["responses"]
    for status in ("200", "201"):
        assert responses[status]["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{schema}"}


def test_photos_are_documented_as_the_image_types_served(document: dict[str, Any]) -> None:
    ok = document["paths"]["/api/v1/attachments/{attachment_id}"]["get"]["responses"]["200"]
    assert set(ok["content"]) == {"image/jpeg", "image/png", "image/webp"}


def test_every_position_schema_has_the_one_shape(document: dict[str, Any]) -> None:
    """Location (taken) and LocationRead (answered) are the only position shapes; both {lat, lon, crs, accuracy_m}."""
    shapes = {
        name: set(schema.get("properties", {}))
        for name, schema in document["components"]["schemas"].items()
        if {"lat", "lon"} <= set(schema.get("properties", {}))
    }
    assert shapes.pop("TrackPointIn") == {"seq", "t", "lat", "lon", "accuracy_m", "mock"}  # crs is the batch's
    assert shapes == {
        "Location": {"lat", "lon", "crs", "accuracy_m"},
        "LocationRead": {"lat", "lon", "crs", "accuracy_m"},
    }
