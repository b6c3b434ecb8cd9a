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

### BEGIN SOLUTION
# Distances are computed in blocks of at most this many (example, centroid) pairs, so memory
# stays bounded however many examples there are. The size is measured (benchmarks/kmeans_speed.py
# --reference-breakdown): smaller blocks spend more on numpy's per-call overhead, and at 2**16 a
# 3-feature block's product (4 columns with the 1s) has 2**18 multiply-adds, half the 2**19 at
# which OpenBLAS wakes a second thread; for a product this thin that made the step 8 to 17
# times costlier in CPU, and larger blocks held to one thread were no faster.
_BLOCK_ENTRIES = 2**16


def _as_2d_float(name, a, keep_float32=False):
    """Return ``a`` as a 2-D float64 array, or raise ValueError naming it.

    With ``keep_float32`` a float32 array is returned as it is: every float32 is exactly a
    float64, and the arithmetic on the examples makes float64 of them a block at a time
    (a float64 copy of 12 million 3-D points would be 288 MB)."""
    a = np.asarray(a)
    if not (keep_float32 and a.dtype == np.float32):
        a = np.asarray(a, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got {a.ndim} dimension(s)")
    return a
### END SOLUTION


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
    ### BEGIN SOLUTION hint: compute the squared distance from every example to every centroid, then take np.argmin along the centroid axis.
    X = _as_2d_float("X", X, keep_float32=True)
    centroids = _as_2d_float("centroids", centroids)
    K, n = centroids.shape
    if K == 0:
        raise ValueError("centroids must have at least one row")
    if X.shape[1] != n:
        raise ValueError(f"X has {X.shape[1]} features but centroids have {n}")

    # ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2, and ||x||^2 is the same for every centroid, so
    # argmin over ||c||^2 - 2 x.c is the nearest centroid. With a 1 after each example's features
    # and ||c||^2 under -2 c, that is one matrix product per block: [x, 1] @ [[-2 C.T], [||c||^2]]
    # (the product adds 1 * ||c||^2 last, the same rounding as adding it afterwards).
    # Shifting examples and centroids by the same whole-number vector changes no distance but
    # keeps the numbers small (so the expanded form stays accurate) and integer data exact (so
    # exact ties stay exact and go to the lowest index).
    shift = np.round(centroids.mean(axis=0))
    C = centroids - shift
    product = np.vstack([-2.0 * C.T, np.einsum("kn,kn->k", C, C)])  # (n + 1, K)
    m = X.shape[0]
    rows = max(1, min(m, _BLOCK_ENTRIES // K))
    # A block's examples, shifted and made float64, and its scores: allocated once and written
    # into by every block. Row j of `shifted` is feature j of the block's examples (the last row
    # the 1s), so the subtraction runs along whole rows rather than 3 numbers at a time.
    shifted = np.ones((n + 1, rows))
    scores = np.empty((rows, K))
    idx = np.empty(m, dtype=np.int64)
    for start in range(0, m, rows):
        stop = min(start + rows, m)
        block = slice(0, stop - start)  # the last block can be shorter
        np.subtract(X[start:stop].T, shift[:, None], out=shifted[:n, block])
        np.matmul(shifted[:, block].T, product, out=scores[block])
        np.argmin(scores[block], axis=1, out=idx[start:stop])
    return idx
    ### END SOLUTION


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
    ### BEGIN SOLUTION hint: for each k, take the mean of the rows X[idx == k] along axis 0; a cluster with no rows gets NaN.
    X = _as_2d_float("X", X, keep_float32=True)  # bincount reads each column as float64
    idx = np.asarray(idx)
    m, n = X.shape
    if idx.shape != (m,):
        raise ValueError(f"idx must have shape ({m},), got {idx.shape}")
    if not np.issubdtype(idx.dtype, np.integer):  # floats such as 2.0 are accepted too
        if idx.size and not np.array_equal(idx, np.round(idx)):
            raise ValueError("idx must hold whole numbers")
    idx = idx.astype(np.int64, copy=False)  # no copy when it is int64 already
    if idx.size and (idx.min() < 0 or idx.max() >= K):
        raise ValueError(f"idx values must be in [0, {K}), got {idx.min()}..{idx.max()}")

    # Sums and counts per cluster with bincount: one pass over the examples per feature,
    # with no (m, K) one-hot matrix.
    counts = np.bincount(idx, minlength=K).astype(float)
    sums = np.empty((K, n))
    for j in range(n):
        sums[:, j] = np.bincount(idx, weights=X[:, j], minlength=K)
    with np.errstate(invalid="ignore"):  # 0 / 0 is the NaN an empty cluster gets
        return sums / counts[:, None]
    ### END SOLUTION


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
    ### BEGIN SOLUTION hint: make a generator with np.random.default_rng(rng), draw K distinct row indices with its choice(..., replace=False) or permutation, and return X at those rows.
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array, got {X.ndim} dimension(s)")
    m = X.shape[0]
    if not 1 <= K <= m:
        raise ValueError(f"K must be between 1 and the number of examples ({m}), got {K}")
    rng = np.random.default_rng(rng)
    rows = rng.choice(m, size=int(K), replace=False)
    return X[rows]  # indexing with an index array makes a copy, never a view
    ### END SOLUTION


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
    ### BEGIN SOLUTION hint: reshape the pixels to (H*W, 3) floats on the [0, 1] scale, run K-means from kmeans_init_centroids, replace each pixel by its centroid, then go back to (H, W, 3) uint8 on the 0-255 scale.
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(
            f"image must be an (H, W, 3) uint8 array, got shape {image.shape} dtype {image.dtype}")
    H, W, _ = image.shape
    pixels = image.reshape(-1, 3)
    # The initial centroids are K distinct pixels, on the [0, 1] scale (floats: no uint8 overflow).
    centroids = kmeans_init_centroids(pixels, K, rng) / 255.0
    # A photo repeats colours: K-means on each distinct colour, weighted by how many pixels have
    # it, gives the same assignments and means as K-means on every pixel (up to the order of
    # floating-point sums), with far fewer rows. A colour's code (r * 256 + g) * 256 + b is one
    # number, which np.unique can count; colours[which] are the pixels again.
    codes = (pixels[:, 0].astype(np.int64) * 256 + pixels[:, 1]) * 256 + pixels[:, 2]
    codes, which, counts = np.unique(codes, return_inverse=True, return_counts=True)
    colours = np.stack([codes // 65536, codes // 256 % 256, codes % 256], axis=1) / 255.0
    for _ in range(max_iters):
        idx = find_closest_centroids(colours, centroids)
        # The means with every colour counted as often as it occurs.
        totals = np.bincount(idx, weights=counts, minlength=K)
        sums = np.stack([np.bincount(idx, weights=colours[:, j] * counts, minlength=K)
                         for j in range(3)], axis=1)
        with np.errstate(invalid="ignore"):  # 0 / 0 is the NaN an empty cluster gets
            means = sums / totals[:, None]
        empty = np.isnan(means).any(axis=1)  # an empty cluster keeps its centroid
        centroids = np.where(empty[:, None], centroids, means)
    idx = find_closest_centroids(colours, centroids)
    palette = np.clip(np.rint(centroids * 255.0), 0, 255).astype(np.uint8)
    return palette[idx[which.ravel()]].reshape(H, W, 3)
    ### END SOLUTION
