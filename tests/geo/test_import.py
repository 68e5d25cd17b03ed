"""POST /grids/import: a GeoJSON FeatureCollection, imported whole or not at all."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Grid
from tests.factories import make_grid
from tests.geo.helpers import API, count, feature, grid_body


def collection(*bodies: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [feature(b) for b in bodies]}


async def post_import(client: httpx.AsyncClient, headers: dict[str, str], body: Any) -> httpx.Response:
    return await client.post(f"{API}/grids/import", json=body, headers=headers)


class TestImportGrids:
    async def test_imports_every_feature(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        bodies = [grid_body(seq=i, lon=120.90 + 0.01 * (i - 1)) for i in (1, 2, 3)]
        response = await post_import(client, admin, collection(*bodies))
        assert response.status_code == 201, response.text
        assert response.json() == {"imported": 3}
        assert await count(session, Grid) == 3

    async def test_one_bad_feature_rolls_back_all(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        bodies = [grid_body(seq=i, lon=120.90 + 0.01 * (i - 1)) for i in (1, 2, 3)]
        bodies[1]["households"] = 299
        response = await post_import(client, admin, collection(*bodies))
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["field"] == "features"
        assert problem["errors"] == [
            {"index": 1, "code": bodies[1]["code"], "field": "households", "message": problem["errors"][0]["message"]}
        ]
        assert await count(session, Grid) == 0

    async def test_every_problem_is_listed(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        bodies = [grid_body(seq=i, lon=120.90 + 0.01 * (i - 1)) for i in (1, 2, 3, 4)]
        bodies[0]["boundary"] = {"type": "Point", "coordinates": [120.9, 32.0]}
        bodies[2].update(region_code="320602100299", code="320602100299003")
        bodies[3]["kind"] = "castle"
        response = await post_import(client, admin, collection(*bodies))
        assert response.status_code == 422
        fields = [(e["index"], e["field"]) for e in response.json()["errors"]]
        assert fields == [(0, "boundary"), (2, "region_code"), (3, "kind")]
        assert await count(session, Grid) == 0

    async def test_overlapping_features_in_one_file_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        bodies = [grid_body(seq=1, lon=120.90), grid_body(seq=2, lon=120.91), grid_body(seq=3, lon=120.915)]
        response = await post_import(client, admin, collection(*bodies))
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert [(e["index"], e["field"]) for e in errors] == [(2, "boundary")]
        assert bodies[1]["code"] in errors[0]["message"]
        assert await count(session, Grid) == 0

    async def test_overlap_with_an_existing_grid_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        await make_grid(session, seq=9, lon=120.90, lat=32.00)
        await session.commit()
        response = await post_import(client, admin, collection(grid_body(seq=1, lon=120.905)))
        assert response.status_code == 422
        assert response.json()["errors"][0]["index"] == 0
        assert await count(session, Grid) == 1

    async def test_duplicate_codes_in_one_file_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        bodies = [grid_body(seq=1, lon=120.90), grid_body(seq=1, lon=120.95)]
        response = await post_import(client, admin, collection(*bodies))
        assert response.status_code == 422
        assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, "code")]
        assert await count(session, Grid) == 0

    async def test_not_a_feature_collection_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        response = await post_import(client, admin, grid_body()["boundary"])
        assert response.status_code == 422
        assert response.json()["field"] == "type"
        empty = await post_import(client, admin, {"type": "FeatureCollection", "features": []})
        assert empty.json()["field"] == "features"
        assert await count(session, Grid) == 0

    async def test_only_admins(
        self, client: httpx.AsyncClient, worker: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        response = await post_import(client, worker, collection(grid_body()))
        assert response.status_code == 403
        assert await count(session, Grid) == 0
