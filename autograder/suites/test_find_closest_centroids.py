"""Hidden checks of find_closest_centroids."""

import numpy as np
import pytest

from autograder.suites.support import (closest, expect_inputs_kept, expect_nearest, fail,
                                       only_with_a_right_result)

NAME = "find_closest_centroids"
pytestmark = pytest.mark.function(NAME)


@pytest.mark.points(2)
def test_random_floats(student):
    """find_closest_centroids: every example gets its nearest centroid (200 points, K = 5, n = 3)"""
    rng = np.random.default_rng(101)
    X, centroids = rng.normal(size=(200, 3)), rng.normal(size=(5, 3))
    idx = closest(student, NAME, X, centroids, "random data")
    expect_nearest(NAME, X, centroids, idx, "on a hidden (200, 3) X with 5 centroids")


@pytest.mark.points(2)
def test_exact_ties_go_to_lowest_index(student, ref):
    """find_closest_centroids: exact ties go to the lowest index"""
    rng = np.random.default_rng(102)
    X = rng.integers(-2, 3, size=(120, 2)).astype(float)
    centroids = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0], [1.0, 0.0]])
    idx = closest(student, NAME, X, centroids, "ties")
    expected = ref.find_closest_centroids(X, centroids)
    wrong = np.flatnonzero(idx != expected)
    if wrong.size:
        i = wrong[0]
        fail(f"{NAME}: on integer points with equally distant centroids, {wrong.size} of "
             f"{len(X)} examples got the wrong index; example {i}, at {X[i].tolist()}, got "
             f"{idx[i]} but the lowest index among its nearest centroids is {expected[i]} "
             f"(ties go to the lowest index, as np.argmin; a `<=` comparison picks the last).",
             "ties")


@pytest.mark.points(2)
def test_large_scale(student):
    """find_closest_centroids: works on data with large values (distances around 1e8)"""
    rng = np.random.default_rng(103)
    X = rng.uniform(-1e4, 1e4, size=(150, 2))
    centroids = rng.uniform(-1e4, 1e4, size=(4, 2))
    idx = closest(student, NAME, X, centroids, "large values")
    expect_nearest(NAME, X, centroids, idx, "on a hidden X with values up to 1e4 "
                   "(a starting 'minimum' such as 1e6 is too small here: use np.inf or argmin)")


@pytest.mark.points(1)
@pytest.mark.parametrize("m, n, K", [(1, 2, 3), (7, 1, 1), (9, 4, 9)], ids=["m=1", "K=1", "K=m"])
def test_edge_sizes(student, m, n, K):
    """find_closest_centroids: edge sizes (one example, one centroid, K = m, n = 1)"""
    rng = np.random.default_rng(104 + m)
    X, centroids = rng.normal(size=(m, n)), rng.normal(size=(K, n))
    idx = closest(student, NAME, X, centroids, f"m = {m}, n = {n}, K = {K}")
    expect_nearest(NAME, X, centroids, idx, f"with m = {m}, n = {n}, K = {K}")


@pytest.mark.points(1)
def test_many_centroids_high_dimension(student):
    """find_closest_centroids: many centroids in many dimensions (1000 points, K = 40, n = 8)"""
    rng = np.random.default_rng(105)
    X, centroids = rng.normal(size=(1000, 8)), rng.normal(size=(40, 8))
    idx = closest(student, NAME, X, centroids, "K = 40")
    expect_nearest(NAME, X, centroids, idx, "on a hidden (1000, 8) X with 40 centroids")


@pytest.mark.points(1)
def test_inputs_not_modified(student):
    """find_closest_centroids: X and centroids are not modified (50 points, K = 3)"""
    rng = np.random.default_rng(106)
    X, centroids = rng.normal(size=(50, 2)), rng.normal(size=(3, 2))
    with only_with_a_right_result("X and centroids unchanged"):
        idx = closest(student, NAME, X, centroids, "any data")
        expect_nearest(NAME, X, centroids, idx, "on a hidden (50, 2) X with 3 centroids")
    expect_inputs_kept(student, NAME, ["X", "centroids"])
