"""Lloyd's two steps on weighted rows, arranged to cost little per step.

Row i of X stands for ``weights[i]`` identical rows (an image's distinct colours, weighted by
how many pixels have each). The arithmetic is that of the reference's graded
``find_closest_centroids`` (the same whole-number shift, the same expanded distance) and of its
means with every row counted ``weights[i]`` times, so the labels and the means are the same, bit
for bit (``tests/test_compress_engine.py`` checks it against plain steps written with the
graded function); what differs is how the work is arranged:

- the distance is one matrix product per block of rows, ``[x - shift, 1] @ [-2 (c - shift),
  ||c - shift||^2]^T``: the augmented rows ``[x - shift, 1]`` are made once per shift, not once
  per step, and adding ``||c||^2`` happens inside the product;
- the weighted columns ``X[:, j] * weights`` the means need are made once;
- a block of rows is as large as fits, with its scores, in a quarter of one core's own cache
  (read from the system), and the blocks are shared between two threads: numpy releases the GIL
  in the matrix product and in ``argmin``, and every row's result is computed alone, so the
  split changes nothing.
"""

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np


def _as_2d_float(name, a):
    a = np.asarray(a, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got {a.ndim} dimension(s)")
    return a


def shift_for(centroids: np.ndarray) -> np.ndarray:
    """The whole-number vector the graded ``find_closest_centroids`` shifts examples and
    centroids by: it keeps the numbers small, and integer data exact, so exact ties stay ties."""
    return np.round(centroids.mean(axis=0))


class WeightedLloyd:
    """Lloyd's steps on ``X`` (m, n) float, row i standing for ``weights[i]`` (m,) rows."""

    def __init__(self, X, weights):
        self.X = _as_2d_float("X", X)
        self.weights = np.asarray(weights, dtype=float)
        self.weighted_columns = [self.X[:, j] * self.weights for j in range(self.X.shape[1])]
        self._augmented = {}  # shift (a tuple) -> the rows [X - shift, 1]

    def rows_for(self, shift: np.ndarray) -> np.ndarray:
        """The augmented rows ``[X - shift, 1]``, (m, n + 1), kept for the last shift asked."""
        key = tuple(shift.tolist())
        if key not in self._augmented:
            m, n = self.X.shape
            rows = np.empty((m, n + 1))
            np.subtract(self.X, shift, out=rows[:, :n])
            rows[:, n] = 1.0
            self._augmented = {key: rows}  # keep one: the shift rarely changes between steps
        return self._augmented[key]

    def closest(self, centroids) -> np.ndarray:
        """``find_closest_centroids(self.X, centroids)``: (m,) int64 labels."""
        centroids = _as_2d_float("centroids", centroids)
        K, n = centroids.shape
        shift = shift_for(centroids)
        C = centroids - shift
        product = np.empty((n + 1, K))
        product[:n] = -2.0 * C.T
        product[n] = np.einsum("kn,kn->k", C, C)
        rows = self.rows_for(shift)
        m = rows.shape[0]
        idx = np.empty(m, dtype=np.int64)
        block = block_rows(K, n)

        def assign(start, stop):
            for first in range(start, stop, block):
                last = min(stop, first + block)
                idx[first:last] = np.argmin(rows[first:last] @ product, axis=1)

        if m < 4 * block:
            assign(0, m)
        else:
            half = (m // 2 + block - 1) // block * block
            list(_threads().map(assign, (0, half), (half, m)))
        return idx

    def means(self, idx, K: int) -> np.ndarray:
        """The (K, n) weighted means of the clusters ``idx`` makes; NaN rows for empty ones."""
        totals = np.bincount(idx, weights=self.weights, minlength=K)
        sums = np.empty((K, len(self.weighted_columns)))
        for j, column in enumerate(self.weighted_columns):
            sums[:, j] = np.bincount(idx, weights=column, minlength=K)
        with np.errstate(invalid="ignore"):
            return sums / totals[:, None]


def block_rows(K: int, n: int) -> int:
    """Rows of a distance block: its rows and scores (K + n + 2 floats a row) take at most a
    quarter of one core's cache, and it has at most 2**16 scores, so OpenBLAS multiplies it on
    the calling thread (it spreads a product over its own threads past M * N * K = 2**18,
    which, with our two threads, made steps several times slower on a busy machine)."""
    return max(1, min(cache_bytes() // 4 // (8 * (K + n + 2)), (1 << 16) // K))


@functools.cache
def _threads():
    """The two threads the distance blocks are shared between, made when first needed."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="kmeans")


@functools.cache
def cache_bytes() -> int:
    """Bytes of cache one core has to itself (its L2), as the system reports it; 1 MiB if not."""
    try:
        size = os.sysconf("SC_LEVEL2_CACHE_SIZE")
    except (ValueError, OSError, AttributeError):
        size = 0
    if size <= 0:
        try:
            text = Path("/sys/devices/system/cpu/cpu0/cache/index2/size").read_text().strip()
            unit = {"K": 1 << 10, "M": 1 << 20}.get(text[-1:], 1)
            size = int(text.rstrip("KM")) * unit
        except (OSError, ValueError):
            size = 0
    return size if size > 0 else 1 << 20


def weighted_means(X, idx, K: int, weights) -> np.ndarray:
    """The means of the clusters ``idx`` makes, row i of X counted ``weights[i]`` times."""
    return WeightedLloyd(X, weights).means(idx, K)


def run_weighted_kmeans(X, weights, initial_centroids, max_iters: int, until_stable=False,
                        on_step=None, lloyd: WeightedLloyd | None = None):
    """The reference's ``run_kmeans`` where row i of X stands for ``weights[i]`` identical rows.

    An empty cluster keeps its previous centroid. With ``until_stable`` it stops as soon as a
    step changes no assignment (the centroids are then already the means of their clusters),
    ``max_iters`` being only a cap. ``on_step(i, changed)`` is called after step i (from 1) with
    how many rows changed cluster (-1 for the first step). ``lloyd`` reuses the steps' prepared
    rows across runs on the same X. Returns ``(centroids, idx)``: (K, n) float, (m,) int64.
    """
    lloyd = lloyd if lloyd is not None else WeightedLloyd(X, weights)
    centroids = np.array(initial_centroids, dtype=float)
    K = centroids.shape[0]
    idx = None
    for step in range(1, max_iters + 1):
        new_idx = lloyd.closest(centroids)
        changed = -1 if idx is None else int(np.count_nonzero(new_idx != idx))
        if on_step is not None:
            on_step(step, changed)
        if until_stable and changed == 0:
            return centroids, new_idx
        idx = new_idx
        means = lloyd.means(idx, K)
        empty = np.isnan(means).any(axis=1)
        centroids = np.where(empty[:, None], centroids, means)
    return centroids, lloyd.closest(centroids)
