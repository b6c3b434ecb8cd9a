"""Hidden checks of compute_centroid_means."""

import numpy as np
import pytest

from autograder.suites.support import (call, expect_array, expect_inputs_kept,
                                       only_with_a_right_result)
from checks import expect_close

NAME = "compute_centroid_means"
pytestmark = pytest.mark.function(NAME)


def means(student, X, idx, K):
    got = call(student, NAME, X, idx, K)
    expect_array(NAME, got, (K, X.shape[1]), "float", "the centroid means")
    return got


@pytest.mark.points(2)
def test_random_clusters(student, ref):
    """compute_centroid_means: each row is the mean of its cluster (300 points, K = 5, n = 2)"""
    rng = np.random.default_rng(201)
    X, idx = rng.normal(size=(300, 2)), rng.permutation(np.arange(300) % 5)
    expect_close(NAME, means(student, X, idx, 5), ref.compute_centroid_means(X, idx, 5),
                 "the means of a hidden (300, 2) X in 5 clusters")


@pytest.mark.points(2)
def test_more_features_than_clusters(student, ref):
    """compute_centroid_means: works when n differs from K (K = 3, n = 7)"""
    rng = np.random.default_rng(202)
    X, idx = rng.normal(size=(90, 7)), rng.permutation(np.arange(90) % 3)
    expect_close(NAME, means(student, X, idx, 3), ref.compute_centroid_means(X, idx, 3),
                 "the means of a hidden (90, 7) X in 3 clusters")


@pytest.mark.points(2)
def test_empty_cluster_is_nan(student, ref):
    """compute_centroid_means: an empty cluster between others gets a row of NaN (K = 4, n = 3)"""
    rng = np.random.default_rng(203)
    X = rng.normal(size=(40, 3))
    idx = rng.choice([0, 1, 3], size=40)  # cluster 2 is empty
    idx[:3] = [0, 1, 3]
    expect_close(NAME, means(student, X, idx, 4), ref.compute_centroid_means(X, idx, 4),
                 "the means of a hidden (40, 3) X where cluster 2 has no points")


@pytest.mark.points(1)
def test_trailing_empty_clusters(student, ref):
    """compute_centroid_means: returns K rows even when the last clusters are empty"""
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]])
    idx = np.array([0, 1, 0])
    expect_close(NAME, means(student, X, idx, 4), ref.compute_centroid_means(X, idx, 4),
                 "the means for X = [[1, 2], [3, 4], [5, 9]], idx = [0, 1, 0], K = 4")


@pytest.mark.points(2)
def test_whole_number_data_gives_exact_means(student, ref):
    """compute_centroid_means: means of whole numbers are exact floats, not rounded"""
    X = np.array([[1.0, 2.0], [2.0, 2.0], [10.0, 11.0], [11.0, 11.0], [4.0, 7.0]])
    idx = np.array([0, 0, 1, 1, 2])
    expect_close(NAME, means(student, X, idx, 3), ref.compute_centroid_means(X, idx, 3),
                 "the means for X = [[1, 2], [2, 2], [10, 11], [11, 11], [4, 7]], "
                 "idx = [0, 0, 1, 1, 2] (means like 1.5 must not be rounded)")


@pytest.mark.points(1)
def test_one_cluster(student, ref):
    """compute_centroid_means: K = 1 gives the mean of all points"""
    rng = np.random.default_rng(204)
    X = rng.normal(size=(25, 2))
    idx = np.zeros(25, dtype=int)
    expect_close(NAME, means(student, X, idx, 1), ref.compute_centroid_means(X, idx, 1),
                 "the mean of a hidden (25, 2) X with K = 1")


@pytest.mark.points(1)
def test_inputs_not_modified(student, ref):
    """compute_centroid_means: X and idx are not modified"""
    rng = np.random.default_rng(205)
    X, idx = rng.normal(size=(30, 2)), rng.integers(0, 3, size=30)
    with only_with_a_right_result("X and idx unchanged"):
        expect_close(NAME, means(student, X, idx, 3), ref.compute_centroid_means(X, idx, 3),
                     "the means of a hidden (30, 2) X in 3 clusters")
    expect_inputs_kept(student, NAME, ["X", "idx"])
