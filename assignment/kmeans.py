# Your K-means assignment: write your code where it says `raise NotImplementedError`.
# (Generated from the reference by `python -m autograder stub`.)
"""K-means clustering, and image compression with it.

Fill in the functions marked "not implemented yet". The assignment's instructions
(README.md beside this file) walk through them in order:

1. ``find_closest_centroids``  -- the assignment step
2. ``compute_centroid_means``  -- the update step
3. ``kmeans_init_centroids``   -- random initialisation
4. ``compress_image``          -- the capstone: an image with only K colours

``run_kmeans`` is given: it alternates steps 1 and 2 using your functions.
Write vectorised numpy where you can; plain Python loops are accepted too.
"""

import numpy as np


def find_closest_centroids(X, centroids):
    """Find the index of the closest centroid to every example.

    Parameters
    ----------
    X : (m, n) float array
        The examples, one per row.
    centroids : (K, n) float array
        The current centroids, one per row.

    Returns
    -------
    idx : (m,) integer numpy.ndarray
        ``idx[i]`` is the index in ``[0, K)`` of the centroid nearest to ``X[i]`` by Euclidean
        distance. When two centroids are equally near, the lower index wins (as ``np.argmin``).

    Neither input is modified.
    """
    # Hint: compute the squared distance from every example to every centroid, then take np.argmin
    # along the centroid axis.
    raise NotImplementedError("find_closest_centroids is not implemented yet")


def compute_centroid_means(X, idx, K):
    """Compute each centroid as the mean of the examples assigned to it.

    Parameters
    ----------
    X : (m, n) float array
        The examples, one per row.
    idx : (m,) integer array
        ``idx[i]`` in ``[0, K)`` is the centroid that example ``i`` is assigned to.
    K : int
        The number of centroids.

    Returns
    -------
    centroids : (K, n) float numpy.ndarray
        Row ``k`` is the mean of the rows ``X[idx == k]``. A centroid with no examples
        assigned gets a row of NaN.

    Neither input is modified.
    """
    # Hint: for each k, take the mean of the rows X[idx == k] along axis 0; a cluster with no rows
    # gets NaN.
    raise NotImplementedError("compute_centroid_means is not implemented yet")


def kmeans_init_centroids(X, K, rng=None):
    """Pick K distinct examples at random as the initial centroids.

    Parameters
    ----------
    X : (m, n) array
        The examples, one per row.
    K : int
        The number of centroids, ``1 <= K <= m``.
    rng : None, int or numpy.random.Generator
        The source of randomness: ``None`` for fresh randomness, an int seed, or a Generator.
        The same seed always gives the same centroids.

    Returns
    -------
    centroids : (K, n) numpy.ndarray
        A new array (not a view of ``X``) holding the rows of ``X`` at K distinct indices drawn
        uniformly at random without replacement.

    Raises
    ------
    ValueError
        If K < 1 or K > m.

    ``X`` is not modified.
    """
    # Hint: make a generator with np.random.default_rng(rng), draw K distinct row indices with its
    # choice(..., replace=False) or permutation, and return X at those rows.
    raise NotImplementedError("kmeans_init_centroids is not implemented yet")


def run_kmeans(X, initial_centroids, max_iters=10):
    """Run K-means: alternate the assignment and update steps.

    Parameters
    ----------
    X : (m, n) float array
        The examples, one per row.
    initial_centroids : (K, n) float array
        Where the centroids start. Not modified.
    max_iters : int
        How many times to alternate the two steps.

    Returns
    -------
    centroids : (K, n) float numpy.ndarray
        The final centroids. A centroid whose cluster became empty keeps its previous position.
    idx : (m,) integer numpy.ndarray
        The index of the closest final centroid to every example.
    """
    X = np.asarray(X, dtype=float)
    centroids = np.array(initial_centroids, dtype=float)  # a copy: the caller's array is kept
    K = centroids.shape[0]
    for _ in range(max_iters):
        idx = find_closest_centroids(X, centroids)
        means = np.asarray(compute_centroid_means(X, idx, K), dtype=float)
        empty = np.isnan(means).any(axis=1)
        centroids = np.where(empty[:, None], centroids, means)
    idx = find_closest_centroids(X, centroids)
    return centroids, idx


def compress_image(image, K, max_iters=10, rng=None):
    """Compress an RGB image to at most K colours with K-means.

    Parameters
    ----------
    image : (H, W, 3) uint8 array
        The image, with values 0-255.
    K : int
        The number of colours to keep, ``1 <= K <= H * W``.
    max_iters : int
        K-means iterations.
    rng : None, int or numpy.random.Generator
        Randomness for choosing the initial centroids (see ``kmeans_init_centroids``).

    Returns
    -------
    compressed : (H, W, 3) uint8 numpy.ndarray
        Every pixel replaced by the colour of its cluster's centroid: at most K distinct colours.
    """
    # Hint: reshape the pixels to (H*W, 3) floats on the [0, 1] scale, run K-means from
    # kmeans_init_centroids, replace each pixel by its centroid, then go back to (H, W, 3) uint8 on
    # the 0-255 scale.
    raise NotImplementedError("compress_image is not implemented yet")
