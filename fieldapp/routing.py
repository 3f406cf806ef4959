"""Visiting order for a joint operation: exact for a few sites, else nearest neighbour, 2-opt.

Pure (no Flask, no database): give it points, get back an order, each leg and the total, in
metres. Distances are geodesic (:func:`fieldapp.geo.distance_m`) and worked out once into a
matrix, so the optimiser itself only adds numbers. Tens of sites take milliseconds.

The route is open: it starts at the start point and ends at the last site, because teams go
on to the next job rather than back to the briefing room. With no start point, the best
place to begin is chosen as well (a start that is zero metres from every site).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fieldapp.geo import distance_m

Point = tuple[float, float]
Matrix = list[list[float]]

# Smaller improvements than this (metres) are rounding, not progress: stops endless swaps.
EPSILON_M = 1e-6
# Up to this many sites the best order is found exactly (Held-Karp: 10 sites is about
# 100,000 steps, a few milliseconds); above it, nearest neighbour then 2-opt, which can be
# a fifth longer than the best on awkward layouts.
EXACT_UP_TO = 10


@dataclass(frozen=True)
class Route:
    """Sites in visiting order (indices into the input), each leg and the total, in metres.

    ``legs[k]`` is the distance travelled to reach ``order[k]``: from the start point for the
    first site (0 when there is no start point), then from the site before it.
    """

    order: tuple[int, ...]
    legs: tuple[float, ...]
    total_m: float


def distance_matrix(
    points: Sequence[Point], distance: Callable[[float, float, float, float], float] = distance_m
) -> Matrix:
    """Every pairwise distance in metres (symmetric, zero diagonal), each computed once."""
    n = len(points)
    matrix = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            d = distance(points[i][0], points[i][1], points[j][0], points[j][1])
            matrix[i][j] = matrix[j][i] = d
    return matrix


def path_length(path: Sequence[int], matrix: Matrix) -> float:
    """Length of an open path through ``matrix`` nodes, in the order given."""
    return sum(matrix[a][b] for a, b in zip(path, path[1:], strict=False))


def nearest_neighbour(matrix: Matrix, start: int = 0) -> list[int]:
    """An open path from ``start`` that always goes to the nearest node not yet visited.

    Ties go to the lower index, so the answer is the same every time.
    """
    n = len(matrix)
    path = [start]
    left = set(range(n)) - {start}
    while left:
        here = matrix[path[-1]]
        nearest = min(left, key=lambda j: (here[j], j))
        path.append(nearest)
        left.remove(nearest)
    return path


def two_opt(path: Sequence[int], matrix: Matrix) -> list[int]:
    """Improve an open path by reversing stretches of it while that makes it shorter.

    The first node (the start) stays first; the last may change. Only changes that shorten
    the path are made, so the result is never longer than the path given.
    """
    best = list(path)
    n = len(best)
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            a, b = best[i - 1], best[i]
            for j in range(i + 1, n):
                c = best[j]
                d = best[j + 1] if j + 1 < n else None
                # Reversing best[i..j] swaps edges a-b and c-d for a-c and b-d.
                before = matrix[a][b] + (matrix[c][d] if d is not None else 0.0)
                after = matrix[a][c] + (matrix[b][d] if d is not None else 0.0)
                if after < before - EPSILON_M:
                    best[i : j + 1] = reversed(best[i : j + 1])
                    b = best[i]
                    improved = True
    return best


def exact(matrix: Matrix) -> list[int]:
    """The shortest open path from node 0 through every node (Held-Karp dynamic programme).

    ``cost[mask][j]`` is the shortest way from node 0 through the nodes in ``mask`` ending
    at ``j``. Ties keep the first found, so the answer is the same every time.
    """
    n = len(matrix) - 1
    if n <= 0:
        return [0]
    full = (1 << n) - 1
    cost = [[float("inf")] * n for _ in range(full + 1)]
    came = [[-1] * n for _ in range(full + 1)]
    for j in range(n):
        cost[1 << j][j] = matrix[0][j + 1]
    for mask in range(1, full + 1):
        for j in range(n):
            here = cost[mask][j]
            if here == float("inf"):
                continue
            for k in range(n):
                if mask & (1 << k):
                    continue
                step = here + matrix[j + 1][k + 1]
                if step < cost[mask | (1 << k)][k] - EPSILON_M:
                    cost[mask | (1 << k)][k] = step
                    came[mask | (1 << k)][k] = j
    end = min(range(n), key=lambda j: (cost[full][j], j))
    path, mask = [], full
    while end != -1:
        path.append(end + 1)
        end, mask = came[mask][end], mask & ~(1 << end)
    return [0, *reversed(path)]


def _with_start(start: Point | None, sites: Sequence[Point], distance) -> Matrix:
    """The matrix with the start as node 0. Without a start, node 0 is 0 m from every site."""
    if start is not None:
        return distance_matrix([start, *sites], distance)
    inner = distance_matrix(sites, distance)
    return [[0.0] * (len(sites) + 1)] + [[0.0, *row] for row in inner]


def _route(path: Sequence[int], matrix: Matrix) -> Route:
    legs = tuple(matrix[a][b] for a, b in zip(path, path[1:], strict=False))
    return Route(order=tuple(i - 1 for i in path[1:]), legs=legs, total_m=sum(legs))


def plan(
    start: Point | None,
    sites: Sequence[Point],
    *,
    improve: bool = True,
    distance: Callable[[float, float, float, float], float] = distance_m,
) -> Route:
    """The visiting order for ``sites`` from ``start``: the best order for up to
    EXACT_UP_TO sites, else nearest neighbour then 2-opt (``improve=False``: nearest
    neighbour alone, for comparison)."""
    if not sites:
        return Route(order=(), legs=(), total_m=0.0)
    matrix = _with_start(start, sites, distance)
    path = nearest_neighbour(matrix, 0)
    if improve:
        path = two_opt(path, matrix)
    if improve and len(sites) <= EXACT_UP_TO:
        # Keep the heuristic's order when it is already the best, so equal routes come out
        # the same as they always have (ties to the lower index first).
        best = exact(matrix)
        if path_length(best, matrix) < path_length(path, matrix) - EPSILON_M:
            path = best
    return _route(path, matrix)


def measure(
    start: Point | None,
    sites: Sequence[Point],
    distance: Callable[[float, float, float, float], float] = distance_m,
) -> Route:
    """Legs and total for ``sites`` in the order given (a coordinator's own order)."""
    if not sites:
        return Route(order=(), legs=(), total_m=0.0)
    matrix = _with_start(start, sites, distance)
    return _route(list(range(len(sites) + 1)), matrix)
