"""Shared arrangement for bench/actions.py and bench/sweep.py: a geography of many towns, and cases in bulk.

The geography goes through the ORM (as tests/factories.py does); cases are written with one
`INSERT … SELECT generate_series` statement (not through the API), each with the columns intake
would have set (status, tier, centre, deadlines from policy version 1, counters, version 1).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.intake import GRID_SIZE, grid_square, sqlalchemy_url

CITY = "320600000000"
CATEGORY = "safety.fire"  # a seeded leaf category (migration 0002)


def county_code(c: int) -> str:
    return f"3206{2 + c:02d}000000"  # 320602000000, 320603000000, …


def town_code(c: int, t: int) -> str:
    return county_code(c)[:6] + f"{101 + t:03d}000"  # 320602101000, 320602102000, …


@dataclass
class Town:
    code: str
    county_code: str
    village_code: str
    grid_ids: list[int] = field(default_factory=list)
    operator_ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # one access token per operator


async def arrange_towns(
    database: str,
    *,
    counties: int,
    towns_per_county: int,
    grids_per_town: int = 1,
    operators_per_town: int = 1,
    jwt_secret: str | None = None,
) -> list[Town]:
    """city → counties → towns → one village each → grids (each with its grid worker) + town operators."""
    from sqlalchemy import update

    from app.core.db import make_engine, make_sessionmaker
    from app.core.security import encode_access_token
    from app.models import AuthSession, Grid, GridRevision, Region, User

    now = datetime.now(UTC)
    engine = make_engine(sqlalchemy_url(database), pool_size=1)
    towns: list[Town] = []
    try:
        async with make_sessionmaker(engine)() as session:

            async def region(code: str, level: str, parent: str | None) -> None:
                session.add(Region(code=code, name=f"bench {level} {code}", level=level, parent_code=parent,
                                   created_at=now))  # fmt: skip
                await session.flush()

            async def user(username: str, role: str, **kw: Any) -> User:
                row = User(username=username, password_hash="!bench: tokens are minted, nobody signs in", role=role,
                           sensitive_clearance=False, active=True, created_at=now, **kw)  # fmt: skip
                session.add(row)
                await session.flush()
                return row

            await region(CITY, "city", None)
            square = 0
            for c in range(counties):
                await region(county_code(c), "county", CITY)
                for t in range(towns_per_county):
                    code = town_code(c, t)
                    village = code[:9] + "201"
                    await region(code, "town", county_code(c))
                    await region(village, "village", code)
                    town = Town(code=code, county_code=county_code(c), village_code=village)
                    for g in range(grids_per_town):
                        lon, lat = grid_square(square)
                        square += 1
                        ring = [[lon, lat], [lon + GRID_SIZE, lat], [lon + GRID_SIZE, lat + GRID_SIZE],
                                [lon, lat + GRID_SIZE], [lon, lat]]  # fmt: skip
                        grid = Grid(
                            code=f"{village}{g + 1:03d}", name=f"bench grid {village}-{g + 1}", kind="comprehensive",
                            households=420, region_code=village, town_code=code, county_code=county_code(c),
                            city_code=CITY, boundary={"type": "Polygon", "coordinates": [ring]}, min_lon=lon,
                            min_lat=lat, max_lon=lon + GRID_SIZE, max_lat=lat + GRID_SIZE, active=True,
                            created_at=now, updated_at=now,
                        )  # fmt: skip
                        session.add(grid)
                        await session.flush()
                        await user(f"bench_worker_{village}_{g + 1}", "grid_worker", grid_id=grid.id)
                        town.grid_ids.append(grid.id)
                    for o in range(operators_per_town):
                        op = await user(f"bench_op_{code}_{o + 1}", "operator", region_code=code)
                        town.operator_ids.append(op.id)
                        if jwt_secret is not None:
                            auth = AuthSession(id=str(uuid.uuid4()), user_id=op.id, created_at=now)
                            session.add(auth)
                            town.tokens.append(encode_access_token(jwt_secret, user_id=op.id, session_id=auth.id,
                                                                   now=now, ttl_s=3600))  # fmt: skip
                    towns.append(town)
            await session.execute(update(GridRevision).values(revision=GridRevision.revision + 1))
            await session.commit()
    finally:
        await engine.dispose()
    return towns


# One statement writes `n` cases. Case i lies in grid (i % grids); $-parameters:
#   $1 n, $2 now, $3 offset of i (so several calls give distinct client ids), $4 client-id prefix,
#   $5 first case index that is breached (i >= $5 → deadline in the past), $6 status/tier mix ('actions' | 'sweep').
# Deadlines follow policy version 1 (accept 30 min, resolve 3 days, calendar time); every case was received
# in the past and its due_at is the deadline its status runs against (accept while reported, resolve after).
# 'actions': every case reported at its town centre just now (accept due in 30 min: no sweep touches it).
# 'sweep':   status cycles reported/accepted/dispatched, tier town (2 of 3) or county (1 of 3, at the county
#            centre); open deadlines lie between now and 30 min (accept) or 3 days (resolve) ahead; cases
#            i >= $5 missed theirs 1 min … 2.8 h ago.
INSERT_CASES = """
WITH g AS (
    SELECT row_number() OVER (ORDER BY gr.id) - 1 AS k, gr.id, gr.code, gr.region_code, gr.town_code,
           gr.county_code, gr.city_code, gr.min_lat, gr.min_lon, w.id AS worker_id
      FROM grid gr JOIN user_account w ON w.grid_id = gr.id AND w.role = 'grid_worker'
), n AS (SELECT count(*) AS grids FROM g),
s0 AS (
    SELECT i,
           CASE WHEN $6 = 'actions' THEN 'reported' ELSE (ARRAY['reported','accepted','dispatched'])[i % 3 + 1] END
               AS status,
           CASE WHEN $6 = 'actions' OR i % 7 % 3 <> 2 THEN 'town' ELSE 'county' END AS tier
      FROM generate_series($3::bigint, $3::bigint + $1 - 1) AS i
), s1 AS (
    SELECT s0.*,
           CASE WHEN i >= $5 THEN $2::timestamptz - make_interval(secs => 60 + (i % 10000))
                WHEN $6 = 'actions' THEN $2::timestamptz + interval '30 minutes'
                WHEN status = 'reported' THEN $2::timestamptz + make_interval(secs => 1 + (i * 7919) % 1799)
                ELSE $2::timestamptz + make_interval(secs => 1 + (i * 7919) % 259199) END AS due_at
      FROM s0
), s AS (
    SELECT s1.*,
           due_at - CASE WHEN status = 'reported' THEN interval '30 minutes' ELSE interval '3 days' END AS received_at
      FROM s1
)
INSERT INTO report (
    source, client_id, submitter_id, content_hash, category_code, sensitive, severity, description,
    lat, lon, raw_lat, raw_lon, raw_crs, accuracy_m, occurred_at, received_at, updated_at,
    grid_id, grid_code, village_code, town_code, county_code, city_code, outside_grid, distance_to_grid_m,
    status, tier, centre_code, assigned_unit, accept_due_at, resolve_due_at, due_at, due_kind, due_started_at,
    policy_version, rework_count, escalation_count, reopen_count, closed_at, settled_on_spot, result,
    reject_reason, supervised, overdue, duplicate_of_id, caller_phone, address, version
)
SELECT 'patrol', $4 || ':' || s.i, g.worker_id, md5(s.i::text) || md5($4 || s.i::text), 'safety.fire', false, 2,
       'Straw piled against the back wall, next to the kitchen stove.',
       g.min_lat + 0.005, g.min_lon + 0.005, g.min_lat + 0.005, g.min_lon + 0.005, 'wgs84', 6,
       s.received_at - interval '5 minutes', s.received_at, s.received_at,
       g.id, g.code, g.region_code, g.town_code, g.county_code, g.city_code, false, NULL,
       s.status, s.tier, CASE WHEN s.tier = 'town' THEN g.town_code ELSE g.county_code END,
       CASE WHEN s.status = 'dispatched' THEN 'town safety office' END,
       s.received_at + interval '30 minutes', s.received_at + interval '3 days', s.due_at,
       CASE WHEN s.status = 'reported' THEN 'accept' ELSE 'resolve' END, s.received_at,
       1, 0, 0, 0, NULL, false, NULL, NULL, false, false, NULL, NULL, NULL, 1
  FROM s CROSS JOIN n JOIN g ON g.k = s.i % n.grids
"""

# The submission's timeline entry (seq 1) for cases written by INSERT_CASES, as intake writes it.
INSERT_SUBMIT_EVENTS = """
INSERT INTO report_event (report_id, seq, actor_id, actor, action, from_status, to_status, from_tier, to_tier,
                          note, data, at)
SELECT r.id, 1, r.submitter_id, u.username, 'submit', NULL, r.status, NULL, r.tier, NULL,
       '{"category": "safety.fire", "crs": "wgs84"}', r.received_at
  FROM report r JOIN user_account u ON u.id = r.submitter_id
 WHERE r.client_id LIKE $1 || ':%'
"""


async def insert_cases(
    conn: asyncpg.Connection, *, n: int, now: datetime, prefix: str, mix: str, breached_from: int | None = None,
    offset: int = 0,
) -> int:  # fmt: skip
    status = await conn.execute(INSERT_CASES, n, now, offset, prefix, breached_from if breached_from is not None
                                else offset + n, mix)  # fmt: skip
    return int(status.split()[-1])
