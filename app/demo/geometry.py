"""Pure geometry for the demo city: a jittered lattice, rectangular blocks on it, and cell outlines.

Every polygon is a union of lattice cells, and every vertex is a lattice vertex moved by a fixed
pseudo-random offset. Neighbouring polygons therefore share their edges exactly: they tile without
overlap or gap. Offsets stay below a quarter of a cell on each axis, which keeps every cell a
strictly convex quadrilateral, so the jittered cells still form a valid planar tiling.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Cell = tuple[int, int]  # (column, row); row 0 is the southernmost
Vertex = tuple[int, int]  # lattice vertex (column, row), 0..cols and 0..rows
Position = tuple[float, float]  # (lon, lat)

MAX_JITTER = 0.22  # of a cell's width and height; < 0.25 keeps every cell convex
DECIMALS = 6  # ~0.1 m; rounding is per vertex, so shared vertices stay identical


@dataclass(frozen=True)
class Rect:
    """A block of lattice cells: columns x0..x1-1 and rows y0..y1-1."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def cells(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class Lattice:
    cols: int
    rows: int
    west: float
    south: float
    east: float
    north: float
    offsets: tuple[Position, ...]  # per vertex, row-major over (cols + 1) x (rows + 1), in cell units

    @property
    def whole(self) -> Rect:
        return Rect(0, 0, self.cols, self.rows)

    def position(self, vertex: Vertex) -> Position:
        col, row = vertex
        dx, dy = self.offsets[row * (self.cols + 1) + col]
        lon = self.west + (col + dx) * (self.east - self.west) / self.cols
        lat = self.south + (row + dy) * (self.north - self.south) / self.rows
        return round(lon, DECIMALS), round(lat, DECIMALS)


def make_lattice(
    cols: int, rows: int, bbox: tuple[float, float, float, float], *, seed: str, jitter: float = MAX_JITTER
) -> Lattice:
    """A cols x rows lattice over bbox (west, south, east, north) with deterministic vertex offsets."""
    if not 0 <= jitter < 0.25:
        raise ValueError("jitter must stay below a quarter of a cell")
    rng = random.Random(seed)
    offsets = tuple(
        (rng.uniform(-jitter, jitter), rng.uniform(-jitter, jitter)) for _ in range((cols + 1) * (rows + 1))
    )
    west, south, east, north = bbox
    return Lattice(cols, rows, west, south, east, north, offsets)


def lattice_shape(cells: int, aspect: float) -> tuple[int, int]:
    """Columns and rows giving at least `cells` cells, columns / rows close to `aspect`."""
    rows = max(1, round(math.sqrt(cells / aspect)))
    return math.ceil(cells / rows), rows


def partition(rect: Rect, needs: Sequence[int]) -> list[Rect]:
    """Split rect into one block per need, in order, each holding at least `need` cells.

    Binary slicing: the items are cut into two runs of about equal weight and the rectangle is cut
    across its longer side in that proportion, then each half recurses. Raises ValueError when the
    cells cannot cover the needs.
    """
    if not needs:
        return []
    if len(needs) == 1:
        if rect.cells < needs[0]:
            raise ValueError(f"block {rect} is too small for {needs[0]} cells")
        return [rect]
    split = _balanced_split(needs)
    first, second = _cut(rect, sum(needs[:split]), sum(needs[split:]))
    return partition(first, needs[:split]) + partition(second, needs[split:])


def corner_block(rect: Rect, cells: int, aspect: float = 1.0) -> Rect:
    """The block of about `cells` cells (columns / rows near `aspect`) in rect's south-west corner."""
    cols, rows = lattice_shape(cells, aspect)
    cols, rows = min(cols, rect.width), min(rows, rect.height)
    rows = max(rows, min(rect.height, math.ceil(cells / cols)))
    if cols * rows < cells:
        raise ValueError(f"block {rect} cannot hold {cells} cells")
    return Rect(rect.x0, rect.y0, rect.x0 + cols, rect.y0 + rows)


def compact_partition(rect: Rect, groups: Sequence[Sequence[int]]) -> list[list[Rect]]:
    """Blocks for groups of needs, packed into as small a corner of rect as will take them.

    Each group (a village) gets a block of its own, split into one block per need (its grids), so
    a group's blocks lie together. The corner grows by a tenth until the split succeeds.
    """
    total = sum(sum(group) for group in groups)
    for slack in (1.0, 1.1, 1.2, 1.35, 1.5, 1.75, 2.0, 2.5, 3.0):
        try:
            corner = corner_block(rect, math.ceil(total * slack))
            halves = partition(corner, [sum(group) for group in groups])
            return [partition(block, group) for block, group in zip(halves, groups, strict=True)]
        except ValueError:
            continue
    raise ValueError(f"block {rect} cannot hold groups of {total} cells")


def _balanced_split(needs: Sequence[int]) -> int:
    total, running = sum(needs), 0
    best, best_gap = 1, math.inf
    for index in range(1, len(needs)):
        running += needs[index - 1]
        gap = abs(2 * running - total)
        if gap < best_gap:
            best, best_gap = index, gap
    return best


def _cut(rect: Rect, first: int, second: int) -> tuple[Rect, Rect]:
    along_columns = rect.width >= rect.height
    length, across = (rect.width, rect.height) if along_columns else (rect.height, rect.width)
    low = math.ceil(first / across)
    high = length - math.ceil(second / across)
    if low > high:
        raise ValueError(f"block {rect} cannot hold {first} + {second} cells")
    at = min(max(round(length * first / (first + second)), low), high)
    if along_columns:
        return Rect(rect.x0, rect.y0, rect.x0 + at, rect.y1), Rect(rect.x0 + at, rect.y0, rect.x1, rect.y1)
    return Rect(rect.x0, rect.y0, rect.x1, rect.y0 + at), Rect(rect.x0, rect.y0 + at, rect.x1, rect.y1)


def snake(rect: Rect) -> list[Cell]:
    """The block's cells in boustrophedon order: consecutive cells always share an edge."""
    order: list[Cell] = []
    for index, row in enumerate(range(rect.y0, rect.y1)):
        columns = range(rect.x0, rect.x1) if index % 2 == 0 else range(rect.x1 - 1, rect.x0 - 1, -1)
        order.extend((col, row) for col in columns)
    return order


def runs(cells: Sequence[Cell], count: int) -> list[list[Cell]]:
    """Cut a path of cells into `count` consecutive runs of near-equal length (each non-empty)."""
    if not 0 < count <= len(cells):
        raise ValueError(f"cannot cut {len(cells)} cells into {count} runs")
    bounds = [index * len(cells) // count for index in range(count + 1)]
    return [list(cells[bounds[i] : bounds[i + 1]]) for i in range(count)]


def outline(cells: Iterable[Cell]) -> list[Vertex]:
    """The counter-clockwise boundary of a simply connected set of cells, as lattice vertices.

    Every cell contributes its four counter-clockwise edges; an edge shared by two cells appears
    once in each direction and cancels. What remains is the boundary, walked edge to edge.
    """
    edges: set[tuple[Vertex, Vertex]] = set()
    for col, row in cells:
        corners = ((col, row), (col + 1, row), (col + 1, row + 1), (col, row + 1))
        for index in range(4):
            edge = (corners[index], corners[(index + 1) % 4])
            if (edge[1], edge[0]) in edges:
                edges.remove((edge[1], edge[0]))
            else:
                edges.add(edge)
    following = dict(edges)
    if len(following) != len(edges):
        raise ValueError("cells touch at a corner only; the outline is not a simple ring")
    start = min(following)
    ring, vertex = [start], following[start]
    while vertex != start:
        ring.append(vertex)
        vertex = following[vertex]
    if len(ring) != len(edges):
        raise ValueError("cells are not connected or enclose a hole")
    return ring


def polygon(lattice: Lattice, cells: Iterable[Cell]) -> list[list[float]]:
    """A closed GeoJSON exterior ring (counter-clockwise, [lon, lat] pairs) around the cells."""
    ring = [list(lattice.position(vertex)) for vertex in outline(cells)]
    ring.append(list(ring[0]))
    return ring
