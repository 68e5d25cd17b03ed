"""Roster files for tests: n households of grid A, as CSV or .xlsx with Chinese headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import httpx
from openpyxl import Workbook

from tests import factories as f

GRID_A = f"{f.VILLAGE_A}001"
HEADERS = ["网格编码", "门牌地址", "户主", "电话", "人数", "标签", "纬度", "经度", "坐标系"]
IMPORT = "/api/v1/households/import"

Row = list[object]


def rows(n: int = 300, tweak: Callable[[int, Row], Row] | None = None) -> list[Row]:
    out: list[Row] = []
    for i in range(n):
        row: Row = [GRID_A, f"幸福村{i + 1}号", f"张{i}伟", f"1380000{i:04d}", 3, "", 32.005, 120.905, "wgs84"]
        out.append(tweak(i, row) if tweak else row)
    return out


def as_csv(body: list[Row], headers: list[str] = HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(body)
    return out.getvalue().encode()


def as_xlsx(body: list[Row], headers: list[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in body:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient, who: dict[str, str], data: bytes, name: str = "roster.csv", town: str = f.TOWN_A
) -> httpx.Response:
    return await client.post(IMPORT, params={"region_code": town}, files={"file": (name, data)}, headers=who)
