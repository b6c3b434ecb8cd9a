"""The compress engine: distinct colours counted once, and Lloyd's steps on them with exactly the
labels and means of plain steps written with the reference's graded function."""

import numpy as np
import pytest

from autograder.compress import colours as colour_table
from autograder.compress import lloyd, seeding
from autograder.compress.palette import Quantized, quantize_colours
from test_reference import few_level_photo


def plain_weighted_kmeans(ref, X, weights, initial, iters):
    """K-means on rows weighted by counts, written plainly with the reference's graded
    find_closest_centroids: the labels after every step and the final centroids."""
    centroids = np.array(initial, dtype=float)
    K = len(centroids)
    every_step = []
    for _ in range(iters):
        idx = ref.find_closest_centroids(X, centroids)
        every_step.append(idx)
        totals = np.bincount(idx, weights=weights, minlength=K)
        sums = np.stack([np.bincount(idx, weights=X[:, j] * weights, minlength=K)
                         for j in range(X.shape[1])], axis=1)
        with np.errstate(invalid="ignore"):
            means = sums / totals[:, None]
        empty = np.isnan(means).any(axis=1)
        centroids = np.where(empty[:, None], centroids, means)
    every_step.append(ref.find_closest_centroids(X, centroids))
    return centroids, every_step


def suite_images():
    """The images the test suites compress: the capstone's hidden ones, the bundled photo,
    the reference tests' random images, and one large enough to use both threads."""
    from autograder import capstone, paths
    from PIL import Image

    images = dict(capstone.images())
    with Image.open(paths.PHOTO) as im:
        images["bundled photo"] = np.asarray(im.convert("RGB"))
    for shape, K in [((7, 13, 3), 4), ((13, 7, 3), 1), ((20, 30, 3), 16), ((9, 11, 3), 5)]:
        rng = np.random.default_rng(sum(shape) + K)
        images[f"random {shape}"] = rng.integers(0, 256, size=shape, dtype=np.uint8)
    rng = np.random.default_rng(99)
    images["random 250 x 240"] = rng.integers(0, 256, size=(250, 240, 3), dtype=np.uint8)
    return images


CASES = [(name, K, seed) for name, image in suite_images().items()
         for K in (1, 4, 8, 16, 64, 256) if K <= image.shape[0] * image.shape[1]
         for seed in (11, 22, 33)]


# ---- the distinct colours ---------------------------------------------------------------------

@pytest.mark.parametrize("pixels", [1000, colour_table.TABLE_FROM_PIXELS + 5])
def test_unique_colours_both_ways_agree_with_numpy(pixels):
    """Sorting the codes (small images) and the table of all codes (large ones) both give
    numpy's distinct rows, their counts and every pixel's row."""
    rng = np.random.default_rng(pixels)
    image = rng.integers(0, 256, size=(pixels, 3), dtype=np.uint8)
    image[::3] = image[0]  # one colour many times
    found = colour_table.unique_colours(image)
    rgb, which, counts = np.unique(image, axis=0, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(found.rgb, rgb)
    np.testing.assert_array_equal(found.counts, counts)
    np.testing.assert_array_equal(found.which, which.ravel())
    np.testing.assert_array_equal(found.rgb[found.which], image)
    assert found.rgb.dtype == np.uint8 and len(found) == len(rgb)


@pytest.mark.parametrize("levels, K", [(4, 3), (16, 8), (256, 16)])
def test_unique_colour_kmeans_equals_kmeans_on_every_pixel(ref, levels, K):
    """K-means on distinct colours weighted by their counts: the same as on every pixel, up to
    the order of floating-point sums."""
    photo = few_level_photo(levels)
    pixels = photo.reshape(-1, 3) / 255.0
    initial = ref.kmeans_init_centroids(pixels, K, rng=5)
    centroids, idx = ref.run_kmeans(pixels, initial, max_iters=10)  # every pixel, one by one
    colours = colour_table.unique_colours(photo.reshape(-1, 3))
    counts, which = colours.counts, colours.which
    assert counts.sum() == len(pixels) and np.array_equal(colours.rgb[which], photo.reshape(-1, 3))
    weighted, weighted_idx = lloyd.run_weighted_kmeans(colours.scaled(), counts, initial, 10)
    np.testing.assert_allclose(weighted, centroids, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(weighted_idx[which], idx)


# ---- the fast Lloyd steps: the same labels as the plain steps --------------------------------

@pytest.mark.parametrize("name, K, seed", CASES)
def test_fast_steps_equal_plain_steps(ref, name, K, seed):
    """Every step's labels and the final centroids are identical, bit for bit; and the
    reference's compress_image is the image of those plain steps, pixel for pixel."""
    image = suite_images()[name]
    pixels = image.reshape(-1, 3)
    initial = ref.kmeans_init_centroids(pixels, K, rng=seed) / 255.0
    colours = colour_table.unique_colours(pixels)
    X, counts = colours.scaled(), colours.counts
    expected_centroids, expected_steps = plain_weighted_kmeans(ref, X, counts, initial, 10)
    centroids, idx = lloyd.run_weighted_kmeans(X, counts, initial, 10)
    np.testing.assert_array_equal(centroids, expected_centroids)
    np.testing.assert_array_equal(idx, expected_steps[-1])
    steps = lloyd.WeightedLloyd(X, counts)
    centroids = initial
    for expected in expected_steps[:-1]:
        idx = steps.closest(centroids)
        np.testing.assert_array_equal(idx, expected)
        means = steps.means(idx, K)
        centroids = np.where(np.isnan(means).any(axis=1)[:, None], centroids, means)
    palette = np.clip(np.rint(expected_centroids * 255.0), 0, 255).astype(np.uint8)
    plain_image = palette[expected_steps[-1][colours.which]].reshape(image.shape)
    np.testing.assert_array_equal(ref.compress_image(image, K, 10, rng=seed), plain_image)
    found = quantize_colours(colours, K, "random", 10, seed, pixels=pixels)
    np.testing.assert_array_equal(found.palette[found.labels(colours, image.shape[:2])],
                                  plain_image)


def test_the_large_image_uses_both_threads():
    """The identity above covers the two-thread path: the large image spans several blocks."""
    image = suite_images()["random 250 x 240"]
    rows = len(colour_table.unique_colours(image.reshape(-1, 3)))
    assert rows >= 4 * lloyd.block_rows(256, 3), (rows, lloyd.block_rows(256, 3))


def test_until_stable_stops_when_no_label_changes(ref):
    rng = np.random.default_rng(5)
    X = rng.random((500, 3))
    weights = rng.integers(1, 5, size=500)
    seen = []
    centroids, idx = lloyd.run_weighted_kmeans(X, weights, X[:6], 1000, until_stable=True,
                                               on_step=lambda step, changed: seen.append(changed))
    assert seen[0] == -1 and seen[-1] == 0 and all(c > 0 for c in seen[1:-1])
    assert len(seen) < 1000
    np.testing.assert_array_equal(ref.find_closest_centroids(X, centroids), idx)
    means = lloyd.weighted_means(X, idx, 6, weights)
    np.testing.assert_array_equal(means, centroids)  # a fixed point: the means of its clusters


# ---- what the report says, from the distinct colours alone ------------------------------------

@pytest.mark.parametrize("K", [1, 5, 300])
def test_distortion_and_colours_used_from_the_distinct_colours(K):
    """The distortion and the count of colours the report gives, computed on the distinct
    colours, are those of the compressed image itself."""
    from autograder import imaging

    image = suite_images()["random 250 x 240"]
    colours = colour_table.unique_colours(image.reshape(-1, 3))
    found = quantize_colours(colours, K, "k-means++", 30, 0)
    assert isinstance(found, Quantized)
    compressed = found.palette[found.labels(colours, image.shape[:2])]
    assert found.distortion(colours) == pytest.approx(imaging.distortion(image, compressed),
                                                      rel=1e-12)
    assert found.colours_used() == imaging.count_colours(compressed)
    assert found.labels(colours, image.shape[:2]).dtype == (np.uint8 if K <= 256 else np.int32)


# ---- Hamerly's bounds: only rows near a tie get new scores, with the same labels ------------

@pytest.mark.parametrize("K", [1, 2, 7, 64])
def test_bounded_steps_give_the_labels_of_full_scores(K):
    """Over centroids that jump, creep, stand still and coincide (exact ties, which go to the
    lowest index), the bounded steps give exactly the labels of scoring every row, and rescore
    fewer rows than that once the centroids settle."""
    rng = np.random.default_rng(K)
    X = rng.integers(0, 256, size=(3000, 3)) / 255.0
    steps = lloyd.WeightedLloyd(X, rng.integers(1, 9, size=len(X)))
    bounded = lloyd.BoundedSteps(steps)
    centroids = X[rng.choice(len(X), K, replace=False)]
    for step in range(40):
        if step % 10 == 3:
            centroids = centroids + rng.normal(scale=0.2, size=centroids.shape)  # a jump
        elif step % 10 == 6 and K > 1:
            centroids = centroids.copy()
            centroids[1] = centroids[0]  # two centroids at the same place: every row tied
        elif step % 10 != 8:  # step 8 of each ten: standing still
            centroids = centroids + rng.normal(scale=1e-3, size=centroids.shape)
        np.testing.assert_array_equal(bounded.closest(centroids), steps.closest(centroids))
    assert bounded.rescored < 40 * len(X)


def test_the_fast_steps_know_the_graded_functions_blocks(ref):
    """The rows the graded function multiplies alone (with numpy's one-row routine, whose
    rounding differs from a matrix product's) are found from its own block size."""
    assert lloyd.GRADED_BLOCK_SCORES == ref._BLOCK_ENTRIES
    rows = ref._BLOCK_ENTRIES // 16
    assert list(lloyd.alone_in_reference(2 * rows + 1, 16)) == [2 * rows]
    assert list(lloyd.alone_in_reference(2 * rows + 2, 16)) == []
    assert list(lloyd.alone_in_reference(1, 16)) == [0]
    assert list(lloyd.alone_in_reference(3, ref._BLOCK_ENTRIES * 2)) == [0, 1, 2]


@pytest.mark.parametrize("K", [2, 16])
def test_rows_scored_alone_or_in_any_subset_get_the_graded_labels(ref, K):
    """Whichever rows are rescored, one alone or many, each gets the label the graded
    function gives it within all of X, the last row alone in its block there included."""
    rng = np.random.default_rng(K)
    m = 2 * (ref._BLOCK_ENTRIES // K) + 1  # the graded function's last block: one row
    X = rng.integers(0, 256, size=(m, 3)) / 255.0
    centroids = X[rng.choice(m, K, replace=False)] + rng.normal(0, 1e-3, size=(K, 3))
    expected = ref.find_closest_centroids(X, centroids)
    steps = lloyd.WeightedLloyd(X, np.ones(m))
    for which in [np.array([m - 1]), np.array([0]), np.array([5, m - 1]),
                  rng.choice(m, 301, replace=False), np.arange(m)]:
        np.testing.assert_array_equal(steps.closest_two(centroids, which)[0], expected[which])


def test_the_seedings_draws_follow_the_weights_and_the_seed():
    """The default's random draws (Python's generator, not numpy.random): a row is drawn in
    proportion to its weight, a row of weight 0 never (first, inside or last), one seed gives
    one sequence and another seed another, and the uniforms are in [0, 1)."""
    weights = np.array([0, 1, 0, 2, 5, 0, 0, 2, 0], dtype=float)
    cumulative = np.cumsum(weights)
    n = 200_000
    drawn = seeding.weighted_draws(seeding.generator(3), cumulative, n)
    counts = np.bincount(drawn, minlength=len(weights))
    assert (counts[weights == 0] == 0).all(), counts
    share = counts / n
    np.testing.assert_allclose(share, weights / weights.sum(), atol=0.005)
    again = seeding.weighted_draws(seeding.generator(3), cumulative, n)
    np.testing.assert_array_equal(drawn, again)
    assert not np.array_equal(drawn, seeding.weighted_draws(seeding.generator(4), cumulative, n))
    # the sample's counts: the same draws, counted (sorted first, which changes no count)
    np.testing.assert_array_equal(seeding.draw_counts(seeding.generator(3), cumulative, n),
                                  counts)
    u = seeding.uniforms(seeding.generator(None), 10_000)
    assert u.min() >= 0.0 and u.max() < 1.0 and 0.45 < u.mean() < 0.55
    rng = seeding.generator(7)
    assert seeding.generator(rng) is rng  # a generator is used as it is, not reseeded
