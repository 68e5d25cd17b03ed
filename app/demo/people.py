"""The demo city's users as rows: an admin, an operator per centre, informants and one worker per grid."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.demo.names import GIVEN, SURNAMES
from app.demo.plan import CityPlan, GridSpec, RegionSpec

ADMIN = "admin"
CITY_OPERATOR = "op_city"
INFORMANTS = ("informant1", "informant2")
SHOWCASE_COUNTY = "320602"  # 崇川区: its operators and first worker are the logins printed for the demo


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    where: str


def operator_username(region: RegionSpec) -> str:
    """op_city, op_320602 for a county, op_320602100 for a town."""
    if region.level == "city":
        return CITY_OPERATOR
    return "op_" + (region.code[:6] if region.level == "county" else region.code[:9])


def worker_username(grid: GridSpec) -> str:
    return "w" + grid.code


def user_rows(plan: CityPlan, grid_ids: dict[str, int], password_hash: str, now: datetime) -> list[dict[str, Any]]:
    rng = random.Random("gridpatrol-demo:people")

    def row(username: str, role: str, region_code: str | None, **extra: Any) -> dict[str, Any]:
        return {
            "username": username,
            "password_hash": password_hash,
            "role": role,
            "display_name": _person_name(rng),
            "phone": _phone(rng),
            "region_code": region_code,
            "grid_id": None,
            "sensitive_clearance": False,
            "active": True,
            "created_at": now,
            **extra,
        }

    rows = [row(ADMIN, "admin", None, display_name="系统管理员", sensitive_clearance=True)]
    centres = [r for r in plan.regions if r.level in ("city", "county", "town")]
    rows += [row(operator_username(r), "operator", r.code, sensitive_clearance=r.level == "city") for r in centres]
    villages = [r for r in plan.regions if r.level == "village"]
    rows += [row(name, "informant", villages[i * len(villages) // 2].code) for i, name in enumerate(INFORMANTS)]
    rows += [
        row(worker_username(g), "grid_worker", g.village_code, grid_id=grid_ids[g.code])
        for g in plan.grids
        if g.kind == "comprehensive"
    ]
    return rows


def demo_logins(plan: CityPlan) -> list[DemoLogin]:
    by_code = {r.code: r for r in plan.regions}
    county = by_code[SHOWCASE_COUNTY + "000000"]
    town = next(r for r in plan.regions if r.level == "town" and r.parent_code == county.code)
    grid = next(g for g in plan.grids if g.kind == "comprehensive" and g.town_code == town.code)
    informant_village = next(r for r in plan.regions if r.level == "village")
    return [
        DemoLogin(ADMIN, "admin", "everything"),
        DemoLogin(CITY_OPERATOR, "operator", f"city centre {by_code[plan.city_code].name}"),
        DemoLogin(operator_username(county), "operator", f"county centre {county.name}"),
        DemoLogin(operator_username(town), "operator", f"town centre {county.name}{town.name}"),
        DemoLogin(worker_username(grid), "grid_worker", f"grid {grid.code} {grid.name}"),
        DemoLogin(INFORMANTS[0], "informant", f"village {informant_village.name}"),
        DemoLogin(f"u_{town.code[:9]}-works", "unit_member", f"handling unit {town.name}城建办"),
        DemoLogin(f"u_{town.code[:9]}-mediation", "unit_member", f"handling unit {town.name}非诉讼服务中心"),
        DemoLogin(f"u_{county.code[:6]}-fire", "unit_member", f"handling unit {county.name}消防救援大队"),
    ]


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
