"""Hidden checks of kmeans_init_centroids."""

import numpy as np
import pytest

from autograder.suites.support import call, expect_array, expect_inputs_kept, fail, reply_of
from checks import expect_raises

NAME = "kmeans_init_centroids"
pytestmark = pytest.mark.function(NAME)


def init(student, X, K, rng):
    got = call(student, NAME, X, K, rng)
    expect_array(NAME, got, (K, X.shape[1]), "float", "the initial centroids")
    return got


def rows_of(X, centroids):
    """The row of X each centroid equals, or -1 (X's rows are all different)."""
    matches = (centroids[:, None, :] == X[None, :, :]).all(axis=2)
    return np.where(matches.any(axis=1), matches.argmax(axis=1), -1)


@pytest.mark.points(2)
def test_distinct_rows_of_x(student):
    """kmeans_init_centroids: returns K different rows of X"""
    rng = np.random.default_rng(301)
    X = rng.normal(size=(50, 3))
    centroids = init(student, X, 8, 5)
    rows = rows_of(X, centroids)
    if (rows < 0).any():
        fail(f"{NAME}: every initial centroid must be a row of X, but centroid "
             f"{int(np.flatnonzero(rows < 0)[0])} of the 8 is not one (on a hidden (50, 3) X).")
    if len(set(rows.tolist())) < 8:
        fail(f"{NAME}: the 8 centroids must be 8 different rows of X, but only "
             f"{len(set(rows.tolist()))} are different: draw the indices without replacement.")


@pytest.mark.points(2)
def test_k_equals_m_uses_every_row(student):
    """kmeans_init_centroids: K = m gives every row of X once"""
    X = np.arange(40.0).reshape(20, 2)
    centroids = init(student, X, 20, 11)
    rows = rows_of(X, centroids)
    if sorted(rows.tolist()) != list(range(20)):
        missing = sorted(set(range(20)) - set(rows.tolist()))
        fail(f"{NAME}: with K = m = 20 every row of X must be chosen exactly once, but rows "
             f"{missing} were not (sampling with replacement repeats rows).")


@pytest.mark.points(2)
def test_every_row_can_be_chosen(student):
    """kmeans_init_centroids: every row of X can be chosen, about equally often"""
    X = np.arange(16.0).reshape(8, 2)
    counts = np.zeros(8, dtype=int)
    for seed in range(120):
        counts[rows_of(X, init(student, X, 2, seed)).clip(0)] += 1
    expected = 120 * 2 / 8
    if counts.min() == 0 or counts.max() > 2.5 * expected or counts.min() < expected / 3:
        fail(f"{NAME}: over 120 seeds with m = 8 and K = 2 each row should be chosen about "
             f"{expected:.0f} times, but the counts per row were {counts.tolist()} (is the "
             f"last row left out, e.g. an exclusive upper bound of m - 1?).")


@pytest.mark.points(2)
def test_seed_controls_randomness(student):
    """kmeans_init_centroids: the same seed gives the same centroids, other seeds others"""
    X = np.random.default_rng(302).normal(size=(100, 2))
    first, again = init(student, X, 4, 21), init(student, X, 4, 21)
    if not np.array_equal(first, again):
        fail(f"{NAME}: two calls with rng=21 gave different centroids: use "
             f"np.random.default_rng(rng) rather than a global or fixed generator.")
    others = [init(student, X, 4, seed) for seed in (22, 23, 24)]
    if all(np.array_equal(first, other) for other in others):
        fail(f"{NAME}: seeds 21, 22, 23 and 24 all gave the same centroids: the choice must be "
             f"random, drawn with the generator made from rng.")
    generator = call(student, NAME, X, 4, np.random.default_rng(21))
    expect_array(NAME, generator, (4, 2), "float", "the initial centroids for a Generator rng")


@pytest.mark.points(2)
@pytest.mark.parametrize("K", [0, 13], ids=["K=0, m=12", "K=13, m=12"])
def test_bad_k_raises_value_error(student, K):
    """kmeans_init_centroids: K < 1 or K > m raises ValueError"""
    X = np.arange(24.0).reshape(12, 2)
    expect_raises(student, NAME, ValueError, (X, K, 0), f"{NAME}(X, K={K}) with m = 12 rows",
                  "K must be between 1 and m")


@pytest.mark.points(1)
def test_returns_a_new_array(student):
    """kmeans_init_centroids: returns a new array, not a view of X"""
    X = np.random.default_rng(303).normal(size=(30, 2))
    init(student, X, 5, 0)
    reply = reply_of(student)
    if reply and reply.views:
        fail(f"{NAME} returned a view of X (it shares X's memory, e.g. a slice): changing the "
             f"centroids later would change X. Index with an array of row numbers, or .copy().")


@pytest.mark.points(1)
def test_x_not_modified(student):
    """kmeans_init_centroids: X is not modified (e.g. shuffled in place)"""
    X = np.random.default_rng(304).normal(size=(30, 2))
    init(student, X, 5, 0)
    expect_inputs_kept(student, NAME, ["X"])
