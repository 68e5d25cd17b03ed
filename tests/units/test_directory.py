"""POST/GET/PATCH /units and unit members: who manages which units, who sees which."""

from __future__ import annotations

import httpx

from tests import factories as f
from tests.factories import World

URL = "/api/v1/units"


def codes(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [u["code"] for u in response.json()["items"]]


class TestCreate:
    async def test_a_town_operator_adds_a_unit_of_its_town(self, client: httpx.AsyncClient, units: World) -> None:
        body = {"code": "a-water", "name": "城东自来水", "kind": "utility", "region_code": f.TOWN_A}
        response = await client.post(URL, json=body, headers=units["town_a"])
        assert response.status_code == 201, response.text
        assert response.json() | {"created_at": None, "updated_at": None} == {
            **body, "active": True, "created_at": None, "updated_at": None,
        }  # fmt: skip
        again = await client.post(URL, json=body, headers=units["admin"])
        assert (again.status_code, again.json()["field"]) == (409, "code")

    async def test_a_town_operator_cannot_add_a_unit_of_another_town_or_its_county(
        self, client: httpx.AsyncClient, units: World
    ) -> None:
        for region in (f.TOWN_B, f.COUNTY_A):
            body = {"code": "x", "name": "x", "kind": "other", "region_code": region}
            response = await client.post(URL, json=body, headers=units["town_a"])
            assert (response.status_code, response.json()["field"]) == (403, "region_code")

    async def test_bad_input_names_the_field(self, client: httpx.AsyncClient, units: World) -> None:
        cases = [
            ({"code": "a b", "name": "n", "kind": "other", "region_code": f.TOWN_A}, "code"),
            ({"code": "ok", "name": "n\x00", "kind": "other", "region_code": f.TOWN_A}, "name"),
            ({"code": "ok", "name": "n", "kind": "police", "region_code": f.TOWN_A}, "kind"),
            ({"code": "ok", "name": "n", "kind": "other", "region_code": "320602100999"}, "region_code"),
            ({"code": "ok", "name": "n", "kind": "other", "region_code": f.VILLAGE_A}, "region_code"),
        ]
        for body, field in cases:
            response = await client.post(URL, json=body, headers=units["admin"])
            assert response.status_code == 422, response.text
            assert field in response.json()["field"]

    async def test_workers_and_unit_members_may_not_add_units(self, client: httpx.AsyncClient, units: World) -> None:
        body = {"code": "x", "name": "x", "kind": "other", "region_code": f.TOWN_A}
        for who in ("worker_a", "works_a"):
            assert (await client.post(URL, json=body, headers=units[who])).status_code == 403


class TestRead:
    async def test_a_town_operator_sees_its_towns_and_its_countys_units(
        self, client: httpx.AsyncClient, units: World
    ) -> None:
        # "u" is the test world's city department, which every centre may use.
        assert codes(await client.get(URL, headers=units["town_a"])) == ["u", "a-works", "a-mediation", "a-fire"]
        assert codes(await client.get(URL, headers=units["town_b"])) == ["u", "b-works"]

    async def test_the_county_sees_the_units_inside_it_and_the_city_all(
        self, client: httpx.AsyncClient, units: World
    ) -> None:
        assert codes(await client.get(URL, headers=units["county_a"])) == ["u", "a-works", "a-mediation", "a-fire"]
        everything = codes(await client.get(URL, headers=units["city"]))
        assert everything == ["u", "a-works", "a-mediation", "b-works", "a-fire"]
        inside = await client.get(URL, params={"region_code": f.TOWN_A}, headers=units["city"])
        assert codes(inside) == ["a-works", "a-mediation"]

    async def test_a_unit_member_sees_its_own_unit_only(self, client: httpx.AsyncClient, units: World) -> None:
        assert codes(await client.get(URL, headers=units["works_a"])) == ["a-works"]
        assert (await client.get(f"{URL}/a-mediation", headers=units["works_a"])).status_code == 404
        assert (await client.get(f"{URL}/a-works", headers=units["works_a"])).json()["name"] == "城东街道城建办"

    async def test_another_towns_unit_is_404(self, client: httpx.AsyncClient, units: World) -> None:
        assert (await client.get(f"{URL}/b-works", headers=units["town_a"])).status_code == 404
        assert (await client.get(f"{URL}/nope", headers=units["admin"])).status_code == 404

    async def test_pages(self, client: httpx.AsyncClient, units: World) -> None:
        first = await client.get(URL, params={"limit": 3}, headers=units["admin"])
        assert len(first.json()["items"]) == 3
        rest = await client.get(URL, params={"limit": 3, "cursor": first.json()["next_cursor"]}, headers=units["admin"])
        assert codes(rest) == ["b-works", "a-fire"] and rest.json()["next_cursor"] is None


class TestUpdate:
    async def test_the_town_deactivates_its_unit(self, client: httpx.AsyncClient, units: World) -> None:
        response = await client.patch(
            f"{URL}/a-works", json={"active": False, "name": "城建办"}, headers=units["town_a"]
        )
        assert response.status_code == 200, response.text
        assert (response.json()["active"], response.json()["name"]) == (False, "城建办")

    async def test_the_town_may_use_but_not_change_the_county_unit(
        self, client: httpx.AsyncClient, units: World
    ) -> None:
        response = await client.patch(f"{URL}/a-fire", json={"active": False}, headers=units["town_a"])
        assert response.status_code == 403
        assert (
            await client.patch(f"{URL}/b-works", json={"active": False}, headers=units["town_a"])
        ).status_code == 404


class TestMembers:
    async def test_an_admin_adds_a_member_to_a_unit(self, client: httpx.AsyncClient, units: World) -> None:
        body = {"username": "works_a2", "password": "long-enough-pass", "role": "unit_member", "unit_code": "a-works"}
        response = await client.post("/api/v1/users", json=body, headers=units["admin"])
        assert response.status_code == 201, response.text
        assert (response.json()["unit_code"], response.json()["region"]["code"]) == ("a-works", f.TOWN_A)

    async def test_a_member_needs_an_active_unit_and_only_members_name_one(
        self, client: httpx.AsyncClient, units: World
    ) -> None:
        base = {"username": "m2", "password": "long-enough-pass"}
        cases = [
            ({"role": "unit_member"}, "unit_code"),
            ({"role": "unit_member", "unit_code": "nope"}, "unit_code"),
            ({"role": "unit_member", "unit_code": "a-works", "region_code": f.TOWN_A}, "region_code"),
            ({"role": "operator", "region_code": f.TOWN_A, "unit_code": "a-works"}, "unit_code"),
        ]
        for extra, field in cases:
            response = await client.post("/api/v1/users", json=base | extra, headers=units["admin"])
            assert (response.status_code, response.json().get("field")) == (422, field), response.text

    async def test_me_names_the_unit(self, client: httpx.AsyncClient, units: World) -> None:
        me = (await client.get("/api/v1/users/me", headers=units["fire_a"])).json()
        assert (me["role"], me["unit_code"], me["tier"]) == ("unit_member", "a-fire", None)
