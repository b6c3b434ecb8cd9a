"""Hidden checks of kmeans_init_centroids."""

import numpy as np
import pytest

from autograder.suites.support import (call, expect_array, expect_distinct_rows,
                                       expect_inputs_kept, fail, only_with_a_right_result,
                                       reply_of, rows_of)
from checks import call_with_hint, expect_raises

NAME = "kmeans_init_centroids"
pytestmark = pytest.mark.function(NAME)


def init(student, X, K, rng):
    got = call(student, NAME, X, K, rng)
    expect_array(NAME, got, (K, X.shape[1]), "float", "the initial centroids")
    return got


@pytest.mark.points(2)
def test_distinct_rows_of_x(student):
    """kmeans_init_centroids: returns K distinct rows of a larger X (50 x 3, K = 8)"""
    rng = np.random.default_rng(301)
    X = rng.normal(size=(50, 3))
    centroids = init(student, X, 8, 5)
    expect_distinct_rows(NAME, X, centroids, "on a hidden (50, 3) X with K = 8")


@pytest.mark.points(2)
def test_k_equals_m_uses_every_row(student):
    """kmeans_init_centroids: K = m gives every row of X once"""
    X = np.arange(40.0).reshape(20, 2)
    centroids = init(student, X, 20, 11)
    rows = rows_of(X, centroids)
    if sorted(rows.tolist()) != list(range(20)):
        missing = sorted(set(range(20)) - set(rows.tolist()))
        fail(f"{NAME}: with K = m = 20 every row of X must be chosen exactly once, but rows "
             f"{missing} were not (sampling with replacement repeats rows).", "repeated rows")


@pytest.mark.points(2)
def test_every_row_can_be_chosen(student):
    """kmeans_init_centroids: every row of X can be chosen, about equally often"""
    # Half the rows per call, so each row's count is Binomial(48, 1/2): a uniform draw fails the
    # bounds below as rarely as 120 calls with K = 2 did (about 5 in a million), in 48 calls.
    X, K, seeds = np.arange(16.0).reshape(8, 2), 4, 48
    counts = np.zeros(8, dtype=int)
    for seed in range(seeds):
        centroids = init(student, X, K, seed)
        counts[expect_distinct_rows(NAME, X, centroids, f"with X = np.arange(16.0).reshape(8, 2), "
                                    f"K = {K} and rng={seed}")] += 1
    expected = seeds * K / 8
    over = f"over {seeds} seeds with m = 8 and K = {K}"
    if counts.max() == seeds:
        fail(f"{NAME}: {over} the same rows {np.flatnonzero(counts == seeds).tolist()} were "
             f"chosen every time (the counts per row were {counts.tolist()}): the rows must be "
             f"drawn at random, with the generator made from rng.", "seed")
    # As far above the expected count as below it: 4.6 standard deviations of a uniform draw.
    if counts.min() < expected / 3 or counts.max() > expected * 5 / 3:
        fail(f"{NAME}: {over} each row should be chosen about {expected:.0f} times, but the "
             f"counts per row were {counts.tolist()} (is the last row left out, e.g. an "
             f"exclusive upper bound of m - 1?).", "not uniform")


@pytest.mark.points(1)
def test_seed_controls_randomness(student):
    """kmeans_init_centroids: the same seed gives the same centroids, other seeds others"""
    X = np.random.default_rng(302).normal(size=(100, 2))
    with only_with_a_right_result("the seed controlling the randomness"):
        first, again = init(student, X, 4, 21), init(student, X, 4, 21)
        expect_distinct_rows(NAME, X, first, "on a hidden (100, 2) X with K = 4 and rng=21")
    if not np.array_equal(first, again):
        fail(f"{NAME}: two calls with rng=21 gave different centroids: use "
             f"np.random.default_rng(rng) rather than a global or fixed generator.", "seed")
    others = [init(student, X, 4, seed) for seed in (22, 23, 24)]
    if all(np.array_equal(first, other) for other in others):
        fail(f"{NAME}: seeds 21, 22, 23 and 24 all gave the same centroids: the choice must be "
             f"random, drawn with the generator made from rng.", "seed")
    generator = call_with_hint(student, NAME, "Here rng was a numpy.random.Generator: "
                               "np.random.default_rng(rng) takes None, an int or a Generator",
                               X, 4, np.random.default_rng(21))
    expect_array(NAME, generator, (4, 2), "float", "the initial centroids for a Generator rng")


@pytest.mark.points(1)
@pytest.mark.parametrize("K", [0, 13], ids=["K=0, m=12", "K=13, m=12"])
def test_bad_k_raises_value_error(student, K):
    """kmeans_init_centroids: K < 1 or K > m raises ValueError"""
    X = np.arange(24.0).reshape(12, 2)
    with only_with_a_right_result("a ValueError for a bad K"):
        expect_distinct_rows(NAME, X, init(student, X.copy(), 5, 0),
                             "with X = np.arange(24.0).reshape(12, 2) and K = 5")
    expect_raises(student, NAME, ValueError, (X, K, 0), f"{NAME}(X, K={K}) with m = 12 rows",
                  "K must be between 1 and m")


@pytest.mark.points(1)
def test_returns_a_new_array(student):
    """kmeans_init_centroids: returns a new array, not a view of X"""
    X = np.random.default_rng(303).normal(size=(30, 2))
    with only_with_a_right_result("a new array, not a view"):
        expect_distinct_rows(NAME, X, init(student, X, 5, 0), "on a hidden (30, 2) X with K = 5")
    reply = reply_of(student)
    if reply and reply.views:
        fail(f"{NAME} returned a view of X (it shares X's memory, e.g. a slice): changing the "
             f"centroids later would change X. Index with an array of row numbers, or .copy().", "view")


@pytest.mark.points(1)
def test_x_not_modified(student):
    """kmeans_init_centroids: X is not modified (e.g. shuffled in place)"""
    X = np.random.default_rng(304).normal(size=(30, 2))
    with only_with_a_right_result("X unchanged"):
        expect_distinct_rows(NAME, X, init(student, X, 5, 0), "on a hidden (30, 2) X with K = 5")
    expect_inputs_kept(student, NAME, ["X"])
