"""The reference solution against a plain-loop implementation and the contract."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


# ---- a plain-loop oracle, written as simply as possible ---------------------------------------

def loop_closest(X, centroids):
    idx = []
    for x in X:
        best, best_distance = 0, None
        for k, c in enumerate(centroids):
            distance = sum((float(a) - float(b)) ** 2 for a, b in zip(x, c))
            if best_distance is None or distance < best_distance:
                best, best_distance = k, distance
        idx.append(best)
    return np.array(idx)


def loop_means(X, idx, K):
    means = np.full((K, X.shape[1]), np.nan)
    for k in range(K):
        rows = [x for x, i in zip(X, idx) if i == k]
        if rows:
            means[k] = [sum(column) / len(rows) for column in zip(*rows)]
    return means


def squared_distances(X, centroids):
    return ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)


def assert_nearest(X, centroids, idx, expected):
    """Equal to the oracle, except where two centroids are equally near up to rounding."""
    differ = idx != expected
    if differ.any():
        d = squared_distances(X[differ], centroids)
        rows = np.arange(differ.sum())
        gap = np.abs(d[rows, idx[differ]] - d[rows, expected[differ]])
        assert np.all(gap <= 1e-9 * (1 + d.max())), f"{differ.sum()} real differences"


# ---- find_closest_centroids -------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_closest_matches_loop_on_random_floats(ref, seed):
    rng = np.random.default_rng(seed)
    m, n, K = rng.integers(1, 300), rng.integers(1, 6), rng.integers(1, 12)
    X, centroids = rng.normal(size=(m, n)), rng.normal(size=(K, n))
    idx = ref.find_closest_centroids(X, centroids)
    assert type(idx) is np.ndarray and idx.shape == (m,) and np.issubdtype(idx.dtype, np.integer)
    assert_nearest(X, centroids, idx, loop_closest(X, centroids))


@pytest.mark.parametrize("seed", range(5))
def test_closest_exact_ties_on_integer_data_go_to_the_lowest_index(ref, seed):
    rng = np.random.default_rng(100 + seed)
    X = rng.integers(-3, 4, size=(400, 2)).astype(float)
    centroids = rng.integers(-3, 4, size=(9, 2)).astype(float)  # duplicates and many ties
    np.testing.assert_array_equal(ref.find_closest_centroids(X, centroids),
                                  loop_closest(X, centroids))


def test_closest_exact_ties_at_large_integer_scale(ref):
    rng = np.random.default_rng(7)
    X = rng.integers(0, 256, size=(2000, 3)).astype(float)
    centroids = rng.integers(0, 256, size=(16, 3)).astype(float)
    centroids[5] = centroids[2]  # an exact duplicate: index 5 must never win
    idx = ref.find_closest_centroids(X, centroids)
    np.testing.assert_array_equal(idx, np.argmin(squared_distances(X, centroids), axis=1))
    assert not np.any(idx == 5)


def test_closest_across_block_boundaries(ref):
    rng = np.random.default_rng(3)
    X, centroids = rng.random((9000, 3)), rng.random((300, 3))  # several blocks of rows
    assert_nearest(X, centroids, ref.find_closest_centroids(X, centroids),
                   np.argmin(squared_distances(X, centroids), axis=1))


def test_closest_far_from_the_origin_stays_accurate(ref):
    rng = np.random.default_rng(4)
    X = 1e6 + rng.random((300, 2))
    centroids = 1e6 + rng.random((5, 2))
    assert_nearest(X, centroids, ref.find_closest_centroids(X, centroids),
                   loop_closest(X, centroids))


def test_closest_edge_sizes(ref):
    X = np.array([[0.5, -1.0]])
    assert ref.find_closest_centroids(X, np.array([[9.0, 9.0]])).tolist() == [0]  # K = 1, m = 1
    rng = np.random.default_rng(5)
    X = rng.random((6, 2))
    assert ref.find_closest_centroids(X, X.copy()).tolist() == list(range(6))  # K = m


def test_closest_keeps_inputs_and_accepts_integer_arrays(ref):
    X = np.array([[0, 0], [10, 10]], dtype=np.uint8)
    centroids = np.array([[9, 9], [1, 1]], dtype=np.uint8)
    X0, c0 = X.copy(), centroids.copy()
    assert ref.find_closest_centroids(X, centroids).tolist() == [1, 0]  # no uint8 wrap-around
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(centroids, c0)


# ---- compute_centroid_means -------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_means_match_loop_with_empty_clusters(ref, seed):
    rng = np.random.default_rng(200 + seed)
    m, n, K = rng.integers(1, 200), rng.integers(1, 5), rng.integers(1, 15)
    X = rng.normal(size=(m, n))
    idx = rng.integers(0, K, size=m)
    idx[idx == K - 1] = 0  # the last cluster is always empty
    X0, idx0 = X.copy(), idx.copy()
    means = ref.compute_centroid_means(X, idx, K)
    assert type(means) is np.ndarray and means.shape == (K, n) and means.dtype == np.float64
    np.testing.assert_allclose(means, loop_means(X, idx, K), rtol=1e-12, atol=1e-12)
    assert np.isnan(means[K - 1]).all() or K == 1
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(idx, idx0)


def test_means_edge_sizes(ref):
    X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]])
    np.testing.assert_allclose(ref.compute_centroid_means(X, np.zeros(3, int), 1), [[3.0, 3.0]])
    np.testing.assert_allclose(ref.compute_centroid_means(X, np.array([2, 0, 1]), 3),
                               X[[1, 2, 0]])
    np.testing.assert_allclose(ref.compute_centroid_means(X[:1], np.array([0]), 1), X[:1])


def test_means_reject_out_of_range_labels(ref):
    with pytest.raises(ValueError, match=r"idx values must be in \[0, 2\)"):
        ref.compute_centroid_means(np.zeros((2, 1)), np.array([0, 2]), 2)


# ---- kmeans_init_centroids --------------------------------------------------------------------

def test_init_distinct_rows_new_array_and_reproducible(ref):
    X = np.arange(60.0).reshape(30, 2)
    X0 = X.copy()
    centroids = ref.kmeans_init_centroids(X, 10, rng=3)
    assert centroids.shape == (10, 2) and not np.shares_memory(centroids, X)
    rows = (centroids[:, 0] // 2).astype(int)
    np.testing.assert_array_equal(centroids, X[rows])
    assert len(set(rows.tolist())) == 10
    np.testing.assert_array_equal(ref.kmeans_init_centroids(X, 10, rng=3), centroids)
    np.testing.assert_array_equal(
        ref.kmeans_init_centroids(X, 10, rng=np.random.default_rng(3)), centroids)
    assert ref.kmeans_init_centroids(X, 10).shape == (10, 2)  # rng=None works
    np.testing.assert_array_equal(X, X0)


def test_init_k_equals_m_uses_every_row(ref):
    X = np.arange(12.0).reshape(6, 2)
    centroids = ref.kmeans_init_centroids(X, 6, rng=1)
    assert sorted(centroids[:, 0].tolist()) == X[:, 0].tolist()


def test_init_is_uniform(ref):
    X = np.arange(10.0).reshape(10, 1)
    counts = np.zeros(10)
    for seed in range(2000):
        counts[ref.kmeans_init_centroids(X, 3, rng=seed)[:, 0].astype(int)] += 1
    expected = 2000 * 3 / 10
    assert np.all(np.abs(counts - expected) < 6 * np.sqrt(expected)), counts


@pytest.mark.parametrize("K", [0, -1, 7])
def test_init_rejects_bad_k(ref, K):
    with pytest.raises(ValueError, match="K must be between 1 and the number of examples"):
        ref.kmeans_init_centroids(np.zeros((6, 2)), K)


# ---- run_kmeans and compress_image ------------------------------------------------------------

def loop_kmeans(X, centroids, iters):
    centroids = centroids.astype(float).copy()
    for _ in range(iters):
        means = loop_means(X, loop_closest(X, centroids), len(centroids))
        keep = np.isnan(means).any(axis=1)
        means[keep] = centroids[keep]
        centroids = means
    return centroids, loop_closest(X, centroids)


def test_run_kmeans_matches_loop_and_keeps_empty_centroids(ref):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(120, 2))
    initial = np.vstack([X[:3], [[50.0, 50.0]]])  # the far centroid's cluster stays empty
    initial0 = initial.copy()
    centroids, idx = ref.run_kmeans(X, initial, max_iters=6)
    expected_centroids, expected_idx = loop_kmeans(X, initial, 6)
    np.testing.assert_allclose(centroids, expected_centroids, atol=1e-12)
    np.testing.assert_array_equal(idx, expected_idx)
    np.testing.assert_array_equal(centroids[3], [50.0, 50.0])
    np.testing.assert_array_equal(initial, initial0)


def test_run_kmeans_six_points(ref):
    from autograder import paths

    X = np.loadtxt(paths.DATA / "six_points.csv", delimiter=",", skiprows=1)
    initial = np.loadtxt(paths.DATA / "six_points_centroids.csv", delimiter=",", skiprows=1)
    assert ref.find_closest_centroids(X, initial).tolist() == [0, 1, 0, 1, 0, 1]
    np.testing.assert_allclose(ref.compute_centroid_means(X, np.array([0, 1] * 3), 2),
                               [[1.1667, 1.4667], [7.3333, 9.0]], atol=1e-4)


@pytest.mark.parametrize("shape, K", [((7, 13, 3), 4), ((13, 7, 3), 1), ((1, 1, 3), 1),
                                      ((20, 30, 3), 16)])
def test_compress_image_contract_on_non_square_images(ref, shape, K):
    rng = np.random.default_rng(sum(shape) + K)
    image = rng.integers(0, 256, size=shape, dtype=np.uint8)
    image0 = image.copy()
    out = ref.compress_image(image, K, max_iters=5, rng=0)
    assert type(out) is np.ndarray and out.shape == shape and out.dtype == np.uint8
    assert len(np.unique(out.reshape(-1, 3), axis=0)) <= K
    np.testing.assert_array_equal(image, image0)
    np.testing.assert_array_equal(ref.compress_image(image, K, max_iters=5, rng=0), out)


def test_compress_image_equals_kmeans_on_pixels(ref):
    rng = np.random.default_rng(12)
    image = rng.integers(0, 256, size=(9, 11, 3), dtype=np.uint8)
    pixels = image.reshape(-1, 3) / 255.0
    initial = ref.kmeans_init_centroids(pixels, 5, rng=4)
    centroids, idx = loop_kmeans(pixels, initial, 3)
    expected = np.clip(np.rint(centroids * 255), 0, 255).astype(np.uint8)[idx].reshape(9, 11, 3)
    np.testing.assert_array_equal(ref.compress_image(image, 5, max_iters=3, rng=4), expected)


def test_compress_image_with_one_colour_is_the_mean_colour(ref):
    image = np.array([[[0, 0, 0], [255, 255, 255]], [[0, 0, 0], [255, 255, 255]]], np.uint8)
    out = ref.compress_image(image, 1, rng=0)
    assert np.all(out == 128)


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 4), np.uint8),
                                 np.zeros((4, 4, 3), np.float64)])
def test_compress_image_rejects_non_rgb_uint8(ref, bad):
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        ref.compress_image(bad, 2)


@pytest.mark.parametrize("levels, K", [(4, 3), (16, 8), (256, 16)])
def test_compress_image_equals_kmeans_on_every_pixel(ref, levels, K):
    """compress_image runs K-means on distinct colours weighted by their counts: the same as on
    every pixel, up to the order of floating-point sums."""
    photo = few_level_photo(levels)
    pixels = photo.reshape(-1, 3) / 255.0
    initial = ref.kmeans_init_centroids(pixels, K, rng=5)
    centroids, idx = ref.run_kmeans(pixels, initial, max_iters=10)  # every pixel, one by one
    expected = np.clip(np.rint(centroids * 255), 0, 255).astype(np.uint8)[idx].reshape(photo.shape)
    np.testing.assert_array_equal(ref.compress_image(photo, K, 10, rng=5), expected)


def few_level_photo(levels):
    """The bundled photo, every third pixel, with few levels a channel: many repeated colours."""
    from autograder import paths
    from PIL import Image

    with Image.open(paths.PHOTO) as im:
        photo = np.asarray(im.convert("RGB"))[::3, ::3]
    step = 256 // levels
    return (photo // step * step).astype(np.uint8)


def expanded_closest(X, centroids):
    """The reference's arithmetic for the nearest centroid, on all rows at once: the labels
    find_closest_centroids gave before its blocks were sized for speed."""
    X = np.asarray(X, dtype=float)
    centroids = np.asarray(centroids, dtype=float)
    shift = np.round(centroids.mean(axis=0))
    C = centroids - shift
    scores = (X - shift) @ (-2.0 * C.T)
    scores += np.einsum("kn,kn->k", C, C)
    return np.argmin(scores, axis=1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("K", [1, 3, 16, 64, 300])
def test_closest_labels_do_not_depend_on_the_block_size(ref, dtype, K):
    """The blocks of rows change how the work is cut, never a label (several blocks here)."""
    rng = np.random.default_rng(K)
    X = rng.random((70_000, 3)).astype(dtype)
    X[::7] = np.round(X[::7] * 8) / 8  # some exact ties
    centroids = X[rng.choice(len(X), K, replace=False)]
    np.testing.assert_array_equal(ref.find_closest_centroids(X, centroids),
                                  expanded_closest(X, centroids))


def old_means(X, idx, K):
    """compute_centroid_means as it was before float32 examples were kept as float32: every
    example made float64 first, sums and counts by bincount."""
    X = np.asarray(X, dtype=float)
    counts = np.bincount(idx, minlength=K).astype(float)
    sums = np.stack([np.bincount(idx, weights=X[:, j], minlength=K) for j in range(X.shape[1])],
                    axis=1)
    with np.errstate(invalid="ignore"):
        return sums / counts[:, None]



def todays_closest(X, centroids, block_entries):
    """find_closest_centroids as it was before its product took a column of 1s, kept as the
    oracle its labels are held to: a new shifted block and new scores for each block of rows,
    then ``scores += ||c||^2`` and argmin."""
    X = np.asarray(X)
    X = X if X.dtype == np.float32 else X.astype(float)
    centroids = np.asarray(centroids, dtype=float)
    shift = np.round(centroids.mean(axis=0))
    C = centroids - shift
    c_sq = np.einsum("kn,kn->k", C, C)
    idx = np.empty(X.shape[0], dtype=np.int64)
    rows = max(1, block_entries // len(C))
    minus_two_CT = -2.0 * C.T
    for start in range(0, X.shape[0], rows):
        scores = (X[start:start + rows] - shift) @ minus_two_CT
        scores += c_sq
        idx[start:start + rows] = np.argmin(scores, axis=1)
    return idx


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 3000), n=st.integers(1, 4),
       K=st.integers(1, 40), dtype=st.sampled_from([np.float32, np.float64, np.int64, np.uint8]),
       levels=st.sampled_from([0, 2, 5, 256]), duplicates=st.booleans(),
       offset=st.sampled_from([0.0, 1e3, 1e6, 1e9, 1e12, -1e15]))
def test_a_lloyd_step_is_the_old_formulas(ref, seed, m, n, K, dtype, levels, duplicates, offset):
    """On random data, float32, float64 or integers, with exact ties (few levels, centroids
    repeated) and far from the origin, find_closest_centroids gives the labels it gave before
    (in blocks of any size, and all rows at once) and compute_centroid_means the old formula's
    means, bit for bit, across block boundaries (small blocks here)."""
    rng = np.random.default_rng(seed)
    X = rng.random((m, n))
    if levels:  # whole numbers: many exact ties
        X = np.floor(X * levels)
    if dtype == np.uint8:
        X = np.floor(X * (255 / max(levels, 1)))
    else:
        X = X + offset
    X = X.astype(dtype)
    centroids = X[rng.integers(0, m, size=K)].astype(float) if duplicates else \
        rng.random((K, n)) * max(levels, 1) + (0 if dtype == np.uint8 else offset)
    before = X.copy()
    saved = ref._BLOCK_ENTRIES
    ref._BLOCK_ENTRIES = int(rng.integers(1, 200))
    try:
        idx = ref.find_closest_centroids(X, centroids)
    finally:
        ref._BLOCK_ENTRIES = saved
    np.testing.assert_array_equal(idx, todays_closest(X, centroids, int(rng.integers(1, 200))))
    np.testing.assert_array_equal(idx, todays_closest(X, centroids, 2**16))
    np.testing.assert_array_equal(idx, expanded_closest(X, centroids))
    np.testing.assert_array_equal(ref.compute_centroid_means(X, idx, K), old_means(X, idx, K))
    np.testing.assert_array_equal(X, before)


def test_closest_labels_with_non_finite_values_are_the_old_ones(ref):
    """NaN and infinity give the labels they gave before (the same scores, the same argmin)."""
    rng = np.random.default_rng(11)
    X = rng.random((500, 3))
    X[::7, 0], X[3::11, 1], X[5::13, 2] = np.nan, np.inf, -np.inf
    centroids = rng.random((9, 3))
    np.testing.assert_array_equal(ref.find_closest_centroids(X, centroids),
                                  todays_closest(X, centroids, 2**16))
