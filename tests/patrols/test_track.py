"""Track arithmetic on hand-built tracks with known answers, and its properties (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import h3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.patrols import track
from app.patrols.track import Fix, Rules
from tests.factories import square

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 local
AREA = track.grid_area(square(120.90, 32.00), 11)  # the 0.01° square, ~1 km²
RULES = Rules()
M = 1 / 111_195.0  # one metre of latitude, in degrees
LAT0, LON0 = 32.001, 120.905  # ~111 m north of the southern edge, in the middle east-west


def fix(i: int, seconds: float, north_m: float = 0.0, **kw: object) -> Fix:
    return Fix(seq=i, t=T0 + timedelta(seconds=seconds), lat=LAT0 + north_m * M, lon=LON0, accuracy_m=5.0, **kw)  # type: ignore[arg-type]


def walk(n: int, every_s: float = 10.0, step_m: float = 10.0, start_s: float = 0.0, first: int = 0) -> list[Fix]:
    return [fix(first + i, start_s + i * every_s, i * step_m) for i in range(n)]


class TestMinutesInGrid:
    def test_a_walk_inside_counts_the_time_between_its_first_and_last_fix(self) -> None:
        s = track.summarize(walk(61), AREA, RULES, TZ)  # 10 minutes, 600 m, all inside
        assert s.minutes_in_grid == pytest.approx(10.0)
        assert s.distance_m == pytest.approx(600.0, rel=1e-3)
        assert (s.accepted, s.counted) == (61, 61)

    def test_segments_leaving_the_grid_do_not_count(self) -> None:
        # northwards at 1 m/s for 1,500 m: out across the northern edge after ~1,000 m
        s = track.summarize(walk(151), AREA, RULES, TZ)
        edge_s = (32.01 - LAT0) / M  # metres (= seconds) until the boundary
        inside_fixes = int(edge_s // 10) + 1
        assert s.minutes_in_grid == pytest.approx((inside_fixes - 1) * 10 / 60)
        assert s.distance_m == pytest.approx(1500.0, rel=1e-3)  # distance counts outside too

    def test_a_gap_over_five_minutes_is_not_counted(self) -> None:
        fixes = walk(7) + walk(7, start_s=60 + 6 * 60, first=100)  # 1 min, a 6-minute gap, 1 min
        s = track.summarize(fixes, AREA, RULES, TZ)
        assert s.minutes_in_grid == pytest.approx(2.0)

    def test_a_gap_of_exactly_five_minutes_is_counted(self) -> None:
        s = track.summarize([fix(1, 0), fix(2, 300, 100)], AREA, RULES, TZ)
        assert s.minutes_in_grid == pytest.approx(5.0)

    def test_a_jump_is_kept_out_and_the_walk_goes_on(self) -> None:
        fixes = walk(13)
        fixes[6] = Fix(6, fixes[6].t, LAT0 + 3000 * M, LON0, 5.0)  # 3 km away for one fix
        judged = track.classify(fixes, RULES)
        assert [j.reason for j in judged if not j.counted] == [track.JUMP]
        s = track.summarize(fixes, AREA, RULES, TZ)
        assert s.minutes_in_grid == pytest.approx(2.0)  # 12 segments of 10 s, one fix skipped: still 2 min
        assert s.counted == 12

    def test_riding_above_the_speed_cap_does_not_count(self) -> None:
        # 150 m every 10 s = 54 km/h: every fix after the first is too fast
        judged = track.classify(walk(5, step_m=150), RULES)
        assert [j.reason for j in judged] == [None] + [track.TOO_FAST] * 4
        assert track.summarize(walk(5, step_m=150), AREA, RULES, TZ).minutes_in_grid == 0

    def test_the_speed_cap_is_configurable(self) -> None:
        judged = track.classify(walk(5, step_m=150), Rules(max_speed_kmh=60))
        assert all(j.counted for j in judged)

    def test_mock_and_inaccurate_fixes_are_kept_with_a_reason_and_not_counted(self) -> None:
        fixes = walk(7)
        fixes[2] = Fix(2, fixes[2].t, fixes[2].lat, LON0, 5.0, mock=True)
        fixes[4] = Fix(4, fixes[4].t, fixes[4].lat, LON0, 80.0)
        judged = track.classify(fixes, RULES)
        assert [j.reason for j in judged] == [None, None, track.MOCK, None, track.LOW_ACCURACY, None, None]
        s = track.summarize(fixes, AREA, RULES, TZ)
        assert (s.accepted, s.counted) == (7, 5)
        assert s.minutes_in_grid == pytest.approx(1.0)  # time between counted neighbours still counts

    def test_a_segment_across_local_midnight_is_split_between_the_days(self) -> None:
        before = datetime(2026, 11, 28, 15, 58, tzinfo=UTC)  # 23:58 local
        fixes = [Fix(i, before + timedelta(seconds=30 * i), LAT0 + i * 20 * M, LON0, 5.0) for i in range(9)]
        s = track.summarize(fixes, AREA, RULES, TZ)
        day1, day2 = datetime(2026, 11, 28).date(), datetime(2026, 11, 29).date()
        assert s.days[day1].minutes_in_grid == pytest.approx(2.0)
        assert s.days[day2].minutes_in_grid == pytest.approx(2.0)
        assert s.days[day1].distance_m == pytest.approx(s.days[day2].distance_m, rel=1e-6)


class TestCoverage:
    def test_the_grid_has_hundreds_of_cells(self) -> None:
        assert 300 <= len(AREA.cells) <= 1000

    def test_standing_still_touches_one_cell(self) -> None:
        s = track.summarize([fix(i, i * 10) for i in range(30)], AREA, RULES, TZ)
        assert s.coverage == pytest.approx(1 / len(AREA.cells))

    def test_a_walk_touches_the_cells_along_it(self) -> None:
        fixes = walk(31, step_m=10)  # 300 m north
        s = track.summarize(fixes, AREA, RULES, TZ)
        cells = {h3.latlng_to_cell(f.lat, f.lon, 11) for f in fixes}
        assert s.coverage * len(AREA.cells) == pytest.approx(
            len(cells | set().union(*(s.days[d].cells for d in s.days)))
        )
        assert len(cells) >= 6  # ~25 m cells

    def test_sparse_fixes_still_cover_the_cells_between_them(self) -> None:
        dense = track.summarize(walk(31, every_s=10, step_m=10), AREA, RULES, TZ)
        sparse = track.summarize(walk(4, every_s=100, step_m=100), AREA, RULES, TZ)
        assert sparse.coverage >= dense.coverage * 0.8

    def test_fixes_outside_the_grid_cover_nothing(self) -> None:
        outside = [Fix(i, T0 + timedelta(seconds=10 * i), 32.02 + i * 10 * M, LON0, 5.0) for i in range(10)]
        assert track.summarize(outside, AREA, RULES, TZ).coverage == 0


fixes_strategy = st.lists(
    st.builds(
        Fix,
        seq=st.integers(0, 60),
        t=st.integers(0, 4 * 3600).map(lambda s: T0 + timedelta(seconds=s)),
        lat=st.floats(31.995, 32.015),
        lon=st.floats(120.895, 120.915),
        accuracy_m=st.one_of(st.none(), st.floats(0, 100)),
        mock=st.booleans(),
    ),
    max_size=40,
)


class TestProperties:
    @settings(max_examples=150, deadline=None)
    @given(fixes_strategy)
    def test_minutes_never_exceed_the_wall_time(self, fixes: list[Fix]) -> None:
        s = track.summarize(fixes, AREA, RULES, TZ)
        kept = track.dedupe(fixes)
        wall = (kept[-1].t - kept[0].t).total_seconds() / 60 if kept else 0.0
        assert 0 <= s.minutes_in_grid <= wall + 1e-9
        assert 0 <= s.coverage <= 1
        assert s.counted <= s.accepted == len(kept)

    @settings(max_examples=150, deadline=None)
    @given(fixes_strategy, st.randoms(use_true_random=False))
    def test_the_order_of_arrival_does_not_matter(self, fixes: list[Fix], rnd: object) -> None:
        kept = track.dedupe(fixes)  # the store keeps the first fix of a seq
        shuffled = list(kept)
        rnd.shuffle(shuffled)  # type: ignore[attr-defined]
        a, b = track.summarize(kept, AREA, RULES, TZ), track.summarize(shuffled, AREA, RULES, TZ)
        assert (a.minutes_in_grid, a.distance_m, a.coverage, a.counted) == (
            b.minutes_in_grid, b.distance_m, b.coverage, b.counted)  # fmt: skip

    @settings(max_examples=150, deadline=None)
    @given(fixes_strategy, st.data())
    def test_a_replayed_fix_changes_nothing(self, fixes: list[Fix], data: st.DataObject) -> None:
        if not fixes:
            return
        again = data.draw(st.sampled_from(fixes))
        a = track.summarize(fixes, AREA, RULES, TZ)
        b = track.summarize([*fixes, again], AREA, RULES, TZ)
        assert (a.minutes_in_grid, a.distance_m, a.coverage, a.accepted) == (
            b.minutes_in_grid, b.distance_m, b.coverage, b.accepted)  # fmt: skip

    @settings(max_examples=100, deadline=None)
    @given(fixes_strategy)
    def test_day_parts_add_up_to_the_whole(self, fixes: list[Fix]) -> None:
        s = track.summarize(fixes, AREA, RULES, TZ)
        assert sum(p.minutes_in_grid for p in s.days.values()) == pytest.approx(s.minutes_in_grid)

    @given(st.integers(0, 48 * 3600), st.integers(1, 48 * 3600))
    def test_split_by_day_shares_sum_to_one(self, start_s: int, length_s: int) -> None:
        start = T0 + timedelta(seconds=start_s)
        parts = track.split_by_day(start, start + timedelta(seconds=length_s), TZ)
        assert sum(share for _, share in parts) == pytest.approx(1.0)
        assert [d for d, _ in parts] == sorted({d for d, _ in parts})


class TestIntervalUnion:
    @given(st.lists(st.tuples(st.floats(0, 10_000), st.floats(0, 600)), max_size=30))
    def test_the_union_never_exceeds_the_sum_nor_the_span_and_is_order_free(
        self, raw: list[tuple[float, float]]
    ) -> None:
        intervals = [(a, a + length) for a, length in raw]
        total = track.union_minutes(intervals)
        assert total <= sum(length for _, length in raw) / 60.0 + 1e-9
        if intervals:
            span = max(b for _, b in intervals) - min(a for a, _ in intervals)
            assert total <= span / 60.0 + 1e-9
        assert total == pytest.approx(track.union_minutes(list(reversed(intervals))))
        assert track.union_minutes(intervals + intervals) == pytest.approx(total)

    def test_known_answers(self) -> None:
        assert track.union_minutes([(0, 600), (300, 900), (1200, 1260)]) == pytest.approx(16.0)
        assert track.merge_intervals([(60, 120), (0, 60)]) == [(0, 120)]
