"""Public tests: run `python -m pytest` in this folder to check your kmeans.py.

These tests catch common mistakes early, but passing them does NOT guarantee full marks: the
grader runs hidden tests on other inputs (larger data, ties, empty clusters, other images).
The first line of each test's docstring is its name; when it fails, the message says what was
checked, what was expected and what your function returned. Your functions are called the way
the grader calls them (see conftest.py): fresh copies of the inputs for every call, the grader's
time limits, and only the packages the grader has; so what passes here passes there.
"""

from pathlib import Path

import numpy as np
import pytest

from checks import (call, call_with_hint, expect_array, expect_close,
                    expect_closer_than_mean_colour, expect_distinct_rows, expect_equal,
                    expect_raises, expect_unchanged, fail, only_with_a_right_result, rows_of)

DATA = Path(__file__).resolve().parent.parent / "data"
SIX = np.loadtxt(DATA / "six_points.csv", delimiter=",", skiprows=1)
SIX_CENTROIDS = np.loadtxt(DATA / "six_points_centroids.csv", delimiter=",", skiprows=1)
SIX_IDX = np.array([0, 1, 0, 1, 0, 1])
SIX_MEANS = np.array([[7 / 6, 4.4 / 3], [22 / 3, 9.0]])  # [[1.1667, 1.4667], [7.3333, 9.0]]


@pytest.mark.function("find_closest_centroids")
@pytest.mark.points(2)
def test_closest_six_points(student):
    """find_closest_centroids: the six-point sample gives [0, 1, 0, 1, 0, 1]"""
    name = "find_closest_centroids"
    idx = call(student, name, SIX.copy(), SIX_CENTROIDS.copy())
    expect_array(name, idx, (6,), "integer", "the index array idx")
    expect_equal(name, idx, SIX_IDX, "idx for the six-point sample with centroids [[1, 2], [8, 8]]")


@pytest.mark.function("find_closest_centroids")
@pytest.mark.points(1)
def test_closest_tie(student):
    """find_closest_centroids: a point equally far from two centroids goes to the lower index"""
    name = "find_closest_centroids"
    X = np.array([[0.0, 0.0], [5.0, 1.0]])
    centroids = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.0]])
    idx = call(student, name, X.copy(), centroids.copy())
    expect_array(name, idx, (2,), "integer", "the index array idx")
    expect_equal(name, idx, np.array([0, 0]),
                 "idx for X = [[0, 0], [5, 1]] and centroids [[2, 0], [-2, 0], [0, 2]] "
                 "(the point [0, 0] is 2 away from all three centroids, so it goes to 0)")


@pytest.mark.function("find_closest_centroids")
@pytest.mark.points(1)
def test_closest_keeps_inputs(student):
    """find_closest_centroids: X and centroids are not modified"""
    name = "find_closest_centroids"
    X, centroids = SIX.copy(), SIX_CENTROIDS.copy()
    with only_with_a_right_result("X and centroids unchanged"):
        idx = call(student, name, X, centroids)
        expect_array(name, idx, (6,), "integer", "the index array idx")
        expect_equal(name, idx, SIX_IDX, "idx for the six-point sample")
    expect_unchanged(student, name, "X", 0, SIX, X)
    expect_unchanged(student, name, "centroids", 1, SIX_CENTROIDS, centroids)


@pytest.mark.function("compute_centroid_means")
@pytest.mark.points(2)
def test_means_six_points(student):
    """compute_centroid_means: the six-point sample gives [[1.1667, 1.4667], [7.3333, 9.0]]"""
    name = "compute_centroid_means"
    means = call(student, name, SIX.copy(), SIX_IDX.copy(), 2)
    expect_array(name, means, (2, 2), "float", "the centroid means")
    expect_close(name, means, SIX_MEANS, "the means for the six-point sample with "
                 "idx = [0, 1, 0, 1, 0, 1] and K = 2", atol=1e-4)


@pytest.mark.function("compute_centroid_means")
@pytest.mark.points(1)
def test_means_empty_cluster(student):
    """compute_centroid_means: a cluster with no points gets a row of NaN"""
    name = "compute_centroid_means"
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    idx = np.array([0, 0])
    means = call(student, name, X.copy(), idx.copy(), 2)
    expect_array(name, means, (2, 2), "float", "the centroid means")
    expect_close(name, means, np.array([[2.0, 3.0], [np.nan, np.nan]]),
                 "the means for X = [[1, 2], [3, 4]], idx = [0, 0], K = 2 (cluster 1 is empty)")


@pytest.mark.function("kmeans_init_centroids")
@pytest.mark.points(1)
def test_init_distinct_rows(student):
    """kmeans_init_centroids: returns K distinct rows of a small X (10 x 2, K = 4)"""
    name = "kmeans_init_centroids"
    X = np.arange(20.0).reshape(10, 2)
    centroids = call(student, name, X.copy(), 4, 0)
    expect_array(name, centroids, (4, 2), "float", "the initial centroids")
    expect_distinct_rows(name, X, centroids, "with X = np.arange(20.0).reshape(10, 2) and K = 4")


@pytest.mark.function("kmeans_init_centroids")
@pytest.mark.points(1)
def test_init_k_equals_m(student):
    """kmeans_init_centroids: K = m gives every row of X once (6 x 2, K = 6)"""
    name = "kmeans_init_centroids"
    X = np.arange(12.0).reshape(6, 2)
    centroids = call(student, name, X.copy(), 6, 0)
    expect_array(name, centroids, (6, 2), "float", "the initial centroids")
    expect_distinct_rows(name, X, centroids, "with X = np.arange(12.0).reshape(6, 2) and "
                         "K = m = 6, every row must be chosen once")


@pytest.mark.function("kmeans_init_centroids")
@pytest.mark.points(1)
def test_init_seed(student):
    """kmeans_init_centroids: the same seed gives the same centroids"""
    name = "kmeans_init_centroids"
    X = np.arange(200.0).reshape(100, 2)
    with only_with_a_right_result("the same seed giving the same centroids"):
        first = call(student, name, X.copy(), 5, 7)
        second = call(student, name, X.copy(), 5, 7)
        expect_array(name, first, (5, 2), "float", "the initial centroids")
        expect_array(name, second, (5, 2), "float", "the initial centroids of a second call")
        expect_distinct_rows(name, X, first, "with X = np.arange(200.0).reshape(100, 2), K = 5 "
                             "and rng=7")
    if not np.array_equal(first, second):
        fail(f"{name}: two calls with rng=7 (each given its own copy of the same X) should give "
             f"the same centroids, but gave {first.tolist()} and then {second.tolist()}: build "
             f"your generator with np.random.default_rng(rng), not a global or fixed one.")


@pytest.mark.function("kmeans_init_centroids")
@pytest.mark.points(1)
def test_init_other_seeds(student):
    """kmeans_init_centroids: different seeds give different centroids"""
    name = "kmeans_init_centroids"
    X = np.arange(200.0).reshape(100, 2)
    seeds = (1, 2, 3, 4)
    with only_with_a_right_result("different seeds giving different centroids"):
        results = [call(student, name, X.copy(), 5, seed) for seed in seeds]
        for seed, centroids in zip(seeds, results):
            expect_array(name, centroids, (5, 2), "float", "the initial centroids")
            expect_distinct_rows(name, X, centroids, f"with X = np.arange(200.0).reshape(100, "
                                 f"2), K = 5 and rng={seed}")
    if all(np.array_equal(results[0], other) for other in results[1:]):
        rows = rows_of(X, results[0]).tolist()
        first = " (the first K rows)" if rows == list(range(5)) else ""
        fail(f"{name}: seeds {', '.join(map(str, seeds))} all gave the same centroids, rows "
             f"{rows} of X{first}: the rows must be drawn at random, with the generator made "
             f"from rng (np.random.default_rng(rng)).")


@pytest.mark.function("kmeans_init_centroids")
@pytest.mark.points(1)
def test_init_generator(student):
    """kmeans_init_centroids: rng may be a numpy.random.Generator"""
    name = "kmeans_init_centroids"
    X = np.arange(20.0).reshape(10, 2)
    centroids = call_with_hint(
        student, name, "Here rng was np.random.default_rng(0), a Generator: np.random.seed(rng) "
        "and np.random.RandomState(rng) take only an int or None, while "
        "np.random.default_rng(rng) takes None, an int or a Generator", X.copy(), 4,
        np.random.default_rng(0))
    expect_array(name, centroids, (4, 2), "float", "the initial centroids for a Generator rng")
    expect_distinct_rows(name, X, centroids, "with X = np.arange(20.0).reshape(10, 2), K = 4 "
                         "and rng=np.random.default_rng(0)")


@pytest.mark.function("kmeans_init_centroids")
@pytest.mark.points(1)
def test_init_keeps_x(student):
    """kmeans_init_centroids: X is not modified (10 x 2, K = 4)"""
    name = "kmeans_init_centroids"
    original = np.arange(20.0).reshape(10, 2)
    X = original.copy()
    with only_with_a_right_result("X unchanged"):
        centroids = call(student, name, X, 4, 0)
        expect_array(name, centroids, (4, 2), "float", "the initial centroids")
        expect_distinct_rows(name, original, centroids, "with X = np.arange(20.0).reshape(10, "
                             "2) and K = 4")
    expect_unchanged(student, name, "X", 0, original, X)


@pytest.mark.function("kmeans_init_centroids")
@pytest.mark.points(1)
@pytest.mark.parametrize("K", [0, 11], ids=["K=0, m=10", "K=11, m=10"])
def test_init_bad_k(student, K):
    """kmeans_init_centroids: K < 1 or K > m raises ValueError"""
    name = "kmeans_init_centroids"
    X = np.arange(20.0).reshape(10, 2)
    with only_with_a_right_result("a ValueError for a bad K"):
        good = call(student, name, X.copy(), 3, 0)
        expect_array(name, good, (3, 2), "float", "the initial centroids")
        expect_distinct_rows(name, X, good, "with X = np.arange(20.0).reshape(10, 2) and K = 3")
    expect_raises(student, name, ValueError, (X.copy(), K, 0),
                  f"kmeans_init_centroids(X, K={K}) with m = 10 rows", "K must be between 1 and m")


@pytest.mark.function("compress_image")
@pytest.mark.points(1)
def test_compress_small_image(student):
    """compress_image: a (5, 7, 3) uint8 image comes back as (5, 7, 3) uint8 in at most K colours, closer than its mean colour"""
    name = "compress_image"
    image = np.random.default_rng(1).integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    K = 3
    out = call(student, name, image, K, 5, 0)
    expect_array(name, out, image.shape, "uint8", "the compressed image")
    colours = len(np.unique(out.reshape(-1, 3), axis=0))
    if colours > K:
        fail(f"{name}: with K = {K} the compressed image should have at most {K} colours, "
             f"but it has {colours}.")
    original = np.random.default_rng(1).integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    expect_closer_than_mean_colour(name, original, out, K, "the (5, 7, 3) image")


@pytest.mark.function("compress_image")
@pytest.mark.points(1)
def test_compress_keeps_image(student):
    """compress_image: the image is not modified (a (5, 7, 3) image)"""
    name = "compress_image"
    image = np.random.default_rng(1).integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    original = image.copy()
    with only_with_a_right_result("the image unchanged"):
        out = call(student, name, image, 3, 5, 0)
        expect_array(name, out, image.shape, "uint8", "the compressed image")
        expect_closer_than_mean_colour(name, original, out, 3, "the (5, 7, 3) image")
    expect_unchanged(student, name, "image", 0, original, image)



@pytest.mark.function("compress_image")
@pytest.mark.points(2)
def test_compress_photo_distortion(student):
    """compress_image: the bundled photo at K = 8 is closer to the original than its mean colour"""
    from PIL import Image

    name = "compress_image"
    with Image.open(DATA / "grace_hopper.png") as im:
        photo = np.asarray(im.convert("RGB"))[::5, ::5]  # 60 x 52: quick even with plain loops
    out = call(student, name, photo.copy(), 8, 10, 0)
    expect_array(name, out, photo.shape, "uint8", "the compressed photo")
    expect_closer_than_mean_colour(name, photo, out, 8, "the photo")
