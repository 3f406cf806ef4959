"""Visiting order for a joint operation: nearest neighbour from the start, then 2-opt.

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
    """The visiting order for ``sites`` from ``start``: nearest neighbour, then 2-opt."""
    if not sites:
        return Route(order=(), legs=(), total_m=0.0)
    matrix = _with_start(start, sites, distance)
    path = nearest_neighbour(matrix, 0)
    if improve:
        path = two_opt(path, matrix)
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
