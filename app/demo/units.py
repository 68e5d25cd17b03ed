"""The demo city's handling units: a works office and a mediation centre in every town, a fire brigade in every
county, each with one member (`u_<unit code>`). The town's works office takes the demo's dispatched cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.demo.plan import CityPlan, RegionSpec


def works_code(town_code: str) -> str:
    return f"{town_code[:9]}-works"


def _units_of(region: RegionSpec) -> list[tuple[str, str, str]]:
    """(code, name, kind) of a region's units."""
    if region.level == "town":
        return [(works_code(region.code), f"{region.name}城建办", "department"),
                (f"{region.code[:9]}-mediation", f"{region.name}非诉讼服务中心", "mediation_centre")]  # fmt: skip
    if region.level == "county":
        return [(f"{region.code[:6]}-fire", f"{region.name}消防救援大队", "department")]
    return []


def unit_rows(plan: CityPlan, now: datetime) -> list[dict[str, Any]]:
    return [
        {"code": code, "name": name, "kind": kind, "region_code": region.code, "active": True, "created_at": now,
         "updated_at": now}
        for region in plan.regions
        for code, name, kind in _units_of(region)
    ]  # fmt: skip


def member_username(unit_code: str) -> str:
    return "u_" + unit_code


def member_rows(units: list[tuple[int, str, str, str]], password_hash: str, now: datetime) -> list[dict[str, Any]]:
    """One member per unit, from (id, code, name, region_code) rows."""
    return [
        {"username": member_username(code), "password_hash": password_hash, "role": "unit_member",
         "display_name": f"{name}值班员", "phone": None, "region_code": region_code, "grid_id": None,
         "unit_id": unit_id, "sensitive_clearance": False, "active": True, "created_at": now}
        for unit_id, code, name, region_code in units
    ]  # fmt: skip
