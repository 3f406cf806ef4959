"""Visiting order: nearest neighbour from the start, improved by 2-opt, on geodesic metres."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp import routing
from fieldapp.geo import distance_m
from tests.visit_helpers import CLOCK_TOWER, offset


def east(metres):
    return offset(CLOCK_TOWER, east_m=metres)


def test_points_on_a_line_are_visited_in_line_order():
    sites = [east(3000), east(1000), east(5000), east(2000), east(4000)]
    route = routing.plan(CLOCK_TOWER, sites)
    assert route.order == (1, 3, 0, 4, 2)
    # offset() is a flat-earth step; the geodesic metres differ from it by a few in 1,000.
    assert route.legs == pytest.approx([1000] * 5, rel=0.005)
    assert route.total_m == pytest.approx(5000, rel=0.005)


def test_corners_of_a_square_are_walked_round_not_across():
    corner = CLOCK_TOWER
    sites = [
        offset(corner, north_m=1000, east_m=1000),
        offset(corner, north_m=1000),
        offset(corner, east_m=1000),
    ]
    route = routing.plan(corner, sites)
    # Three sides of the square (3 km), never a diagonal (1.41 km).
    assert route.total_m == pytest.approx(3000, rel=0.005)
    assert route.order[1] == 0  # the far corner is in the middle
    assert all(leg == pytest.approx(1000, rel=0.005) for leg in route.legs)


def test_two_opt_undoes_nearest_neighbours_zigzag():
    # From 0 km: nearest neighbour goes to +1, back past the start to -2, then out to +5
    # (1 + 3 + 7 = 11 km). Going to -2 first is shorter: 2 + 3 + 4 = 9 km.
    sites = [east(1000), east(-2000), east(5000)]
    matrix = routing.distance_matrix([CLOCK_TOWER, *sites])
    greedy = routing.nearest_neighbour(matrix)
    assert greedy == [0, 1, 2, 3]
    assert routing.path_length(greedy, matrix) == pytest.approx(11000, rel=0.005)
    route = routing.plan(CLOCK_TOWER, sites)
    assert route.order == (1, 0, 2)
    assert route.total_m == pytest.approx(9000, rel=0.005)


def test_without_a_start_the_best_end_to_begin_from_is_chosen():
    sites = [east(2000), east(0), east(1000), east(3000)]
    route = routing.plan(None, sites)
    assert route.total_m == pytest.approx(3000, rel=0.005)
    assert route.legs[0] == 0
    assert route.order in ((1, 2, 0, 3), (3, 0, 2, 1))


def test_measure_keeps_the_order_it_is_given():
    sites = [east(2000), east(1000)]
    route = routing.measure(CLOCK_TOWER, sites)
    assert route.order == (0, 1)
    assert route.legs == pytest.approx([2000, 1000], rel=0.005)


def test_no_sites_is_an_empty_route():
    assert routing.plan(CLOCK_TOWER, []) == routing.Route((), (), 0.0)
    assert routing.measure(None, []).total_m == 0


def test_the_distance_matrix_is_geodesic_symmetric_and_computed_once_per_pair():
    calls = []

    def counting(*args):
        calls.append(args)
        return distance_m(*args)

    points = [CLOCK_TOWER, east(1000), east(2000), east(5000)]
    matrix = routing.distance_matrix(points, counting)
    assert len(calls) == 6  # n(n-1)/2
    for i, j in itertools.product(range(4), repeat=2):
        assert matrix[i][j] == matrix[j][i]
    assert matrix[0][3] == pytest.approx(distance_m(*CLOCK_TOWER, *east(5000)))


# Sites within ~20 km of Leicester, as a coordinator would plan them.
coordinates = st.tuples(
    st.floats(min_value=52.5, max_value=52.75, allow_nan=False),
    st.floats(min_value=-1.35, max_value=-0.95, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(
    start=st.one_of(st.none(), coordinates),
    sites=st.lists(coordinates, min_size=0, max_size=14),
)
def test_two_opt_is_never_longer_than_nearest_neighbour_and_visits_every_site_once(start, sites):
    greedy = routing.plan(start, sites, improve=False)
    improved = routing.plan(start, sites)
    assert improved.total_m <= greedy.total_m + 1e-6
    for route in (greedy, improved):
        assert sorted(route.order) == list(range(len(sites)))
        assert len(route.legs) == len(sites)
        assert route.total_m == pytest.approx(sum(route.legs))
    # The legs are the real distances between consecutive stops.
    if sites and start is not None:
        stops = [start, *(sites[i] for i in improved.order)]
        for leg, (a, b) in zip(improved.legs, itertools.pairwise(stops), strict=True):
            assert leg == pytest.approx(distance_m(*a, *b))


@settings(max_examples=30, deadline=None)
@given(sites=st.lists(coordinates, min_size=1, max_size=6))
def test_small_routes_are_the_best_possible(sites):
    """Against every order (brute force): a handful of sites get the exact best order.

    (Nearest neighbour and 2-opt alone once gave 37.8 km where 28.3 km was possible.)"""
    matrix = routing.distance_matrix([CLOCK_TOWER, *sites])
    best = min(
        routing.path_length([0, *perm], matrix)
        for perm in itertools.permutations(range(1, len(sites) + 1))
    )
    route = routing.plan(CLOCK_TOWER, sites)
    assert route.total_m == pytest.approx(best, abs=1e-3)


def test_the_layout_that_defeated_two_opt_gets_its_best_order():
    sites = [(52.75, -1.25), (52.625, -1.0625), (52.625, -1.1875), (52.6875, -1.25)]
    matrix = routing.distance_matrix([CLOCK_TOWER, *sites])
    best = min(
        routing.path_length([0, *perm], matrix) for perm in itertools.permutations(range(1, 5))
    )
    heuristic = routing.path_length(
        routing.two_opt(routing.nearest_neighbour(matrix), matrix), matrix
    )
    assert heuristic > best * 1.25  # why the exact search is used for small operations
    assert routing.plan(CLOCK_TOWER, sites).total_m == pytest.approx(best, abs=1e-3)
