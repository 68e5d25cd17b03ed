"""Discovery, services and service definitions, in XML and JSON, and the spec's error envelope."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.open311.helpers import BASE, errors_of, fields, xml
from tests.worlds import World


class TestDiscovery:
    async def test_xml_has_every_field_the_validator_checks(self, client: httpx.AsyncClient) -> None:
        doc = xml(await client.get(BASE + "discovery.xml"), "discovery")
        assert doc.findtext("contact") and doc.findtext("key_service")
        assert datetime.fromisoformat(doc.findtext("changeset") or "") < datetime.now(UTC)
        endpoints = doc.findall("endpoints/endpoint")
        assert len(endpoints) == 1
        endpoint = endpoints[0]
        assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint.findtext("url") == "http://test/open311/v2/"
        assert endpoint.findtext("type") == "production"
        assert datetime.fromisoformat(endpoint.findtext("changeset") or "") < datetime.now(UTC)
        assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]

    async def test_json_is_an_object_with_the_same_fields(self, client: httpx.AsyncClient) -> None:
        response = await client.get(BASE + "discovery.json")
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        body = response.json()
        assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]
        assert body["changeset"].endswith("Z") and body["contact"] and body["key_service"]


class TestServices:
    async def test_leaf_categories_are_listed_and_sensitive_ones_never(self, client: httpx.AsyncClient) -> None:
        doc = xml(await client.get(BASE + "services.xml"), "services")
        services = {s.findtext("service_code"): fields(s) for s in doc.findall("service")}
        assert "safety.fire" in services and "special.released" in services
        assert "safety" not in services  # a group is not a service
        assert "special.mental_health" not in services and "special.drug" not in services
        fire = services["safety.fire"]
        assert set(fire) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        assert (fire["service_name"], fire["metadata"], fire["type"], fire["group"]) == (
            "消防隐患", "true", "realtime", "安全隐患"
        )  # fmt: skip
        assert fire["keywords"] is not None and "Fire hazard" in fire["keywords"].split(",")
        assert not {"private", "inactive", "staff"} & set(fire["keywords"].split(","))

    async def test_json_is_an_array_with_string_codes(self, client: httpx.AsyncClient) -> None:
        body = (await client.get(BASE + "services.json")).json()
        assert isinstance(body, list) and all(isinstance(s["service_code"], str) for s in body)
        assert {"service_code": "safety.fire", "metadata": True, "group": "安全隐患"}.items() <= next(
            s for s in body if s["service_code"] == "safety.fire"
        ).items()

    async def test_a_definition_declares_its_attributes_in_order(self, client: httpx.AsyncClient) -> None:
        doc = xml(await client.get(BASE + "services/safety.fire.xml"), "service_definition")
        assert doc.findtext("service_code") == "safety.fire"
        attributes = doc.findall("attributes/attribute")
        assert [a.findtext("code") for a in attributes] == ["severity", "fixmystreet_id"]
        for attribute in attributes:
            assert {"variable", "code", "datatype", "required", "datatype_description", "order", "description"} <= set(
                fields(attribute)
            )
        severity, dedup = (fields(a) for a in attributes)
        assert (severity["datatype"], severity["required"], severity["variable"], severity["order"]) == (
            "singlevaluelist", "false", "true", "1"
        )  # fmt: skip
        values = attributes[0].findall("values/value")
        assert [(v.findtext("key"), bool(v.findtext("name"))) for v in values] == [
            ("1", True), ("2", True), ("3", True), ("4", True)
        ]  # fmt: skip
        assert not any(v.attrib for v in values)  # an XML attribute on a value breaks FixMyStreet
        assert (dedup["variable"], dedup["automated"], dedup["datatype"]) == ("false", "server_set", "string")

    async def test_a_json_definition_is_an_object(self, client: httpx.AsyncClient) -> None:
        body = (await client.get(BASE + "services/safety.fire.json")).json()
        assert body["service_code"] == "safety.fire"
        assert body["attributes"][1] == {
            "variable": False, "code": "fixmystreet_id", "datatype": "string", "required": False,
            "datatype_description": body["attributes"][1]["datatype_description"], "order": 2,
            "description": body["attributes"][1]["description"], "automated": "server_set",
        }  # fmt: skip

    @pytest.mark.parametrize("code", ["special.drug", "safety", "nothing.here"])
    @pytest.mark.parametrize("fmt", ["xml", "json"])
    async def test_a_sensitive_group_or_unknown_service_is_404(
        self, client: httpx.AsyncClient, code: str, fmt: str
    ) -> None:
        response = await client.get(f"{BASE}services/{code}.{fmt}")
        assert response.status_code == 404
        [(status, description)] = errors_of(response)
        assert status == "404" and code in description


class TestErrors:
    async def test_an_unknown_resource_is_a_404_envelope_in_xml(self, client: httpx.AsyncClient) -> None:
        response = await client.get(BASE + "nothing.xml")
        assert response.status_code == 404 and errors_of(response)[0][0] == "404"

    async def test_an_unknown_format_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(BASE + "services.yaml")
        assert response.status_code == 404 and "format" in errors_of(response)[0][1]

    async def test_a_nul_in_a_query_is_a_400_envelope(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.get(BASE + "requests.json", params={"service_code": "a\x00b"})
        assert response.status_code == 400, response.text
        assert "service_code" in errors_of(response)[0][1]
