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
  split changes nothing;
- from the second step of a run on, :class:`BoundedSteps` rescores only the rows whose
  Hamerly bounds say their label could have changed (a few percent of the rows once the
  centroids settle); the others keep a label their scores would have given them anyway.
"""

import functools
import os
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
        self._augmented = {}  # shift (a tuple) -> the rows [X - shift, 1] and ||X - shift||^2
        self._range = None  # the least and the largest value of each column, when first needed

    def rows_for(self, shift: np.ndarray) -> np.ndarray:
        """The augmented rows ``[X - shift, 1]``, (m, n + 1), kept for the last shift asked."""
        return self._shifted(shift)[0]

    def _shifted(self, shift: np.ndarray):
        key = tuple(shift.tolist())
        if key not in self._augmented:
            m, n = self.X.shape
            rows = np.empty((m, n + 1))
            np.subtract(self.X, shift, out=rows[:, :n])
            rows[:, n] = 1.0
            lengths = np.einsum("mn,mn->m", rows[:, :n], rows[:, :n])
            self._augmented = {key: (rows, lengths)}  # one: the shift rarely changes
        return self._augmented[key]

    def closest(self, centroids) -> np.ndarray:
        """``find_closest_centroids(self.X, centroids)``: (m,) int64 labels."""
        return self.closest_two(centroids, distances=False)[0]

    def closest_two(self, centroids, which: np.ndarray | None = None, distances: bool = True):
        """The labels of the rows ``which`` (all when None) as :meth:`closest` gives them, and
        each row's distance to that centroid and to the next nearest (inf when K = 1), from the
        same scores: ``(idx, near, second)``, (w,) int64, float, float (None, None without
        ``distances``)."""
        centroids = _as_2d_float("centroids", centroids)
        K, n = centroids.shape
        shift = shift_for(centroids)
        C = centroids - shift
        product = np.empty((n + 1, K))
        product[:n] = -2.0 * C.T
        product[n] = np.einsum("kn,kn->k", C, C)
        rows, lengths = self._shifted(shift)
        if which is not None:  # np.take: several times faster than rows[which] here
            rows, lengths = np.take(rows, which, axis=0), np.take(lengths, which)
        m = rows.shape[0]
        idx = np.empty(m, dtype=np.int64)
        near, second = (np.empty(m), np.full(m, np.inf)) if distances else (None, None)
        block = block_rows(K, n)
        starts = np.arange(block) * K  # where each row of a block's scores starts, flattened
        # The product of one row is not a matrix product to BLAS: numpy hands it to another
        # routine (gemv), whose rounding differs. The graded function multiplies its rows in
        # blocks of GRADED_BLOCK_SCORES // K, so a row gets gemv's rounding there only
        # when it is alone in its block (alone_in_reference); these steps do the same for
        # those rows, and multiply any other row that would be alone here with a copy of itself.
        alone = alone_in_reference(len(self.X), K)
        if which is not None and len(alone):
            alone = np.flatnonzero(np.isin(which, alone))  # increasing, as the rows here

        def scores_of(first, last):
            low, high = np.searchsorted(alone, [first, last])  # the block's rows alone there
            if last - first == 1 and low == high:
                return (np.take(rows, [first, first], axis=0) @ product)[:1]
            scores = rows[first:last] @ product
            if last - first > 1:
                for row in alone[low:high].tolist():
                    scores[row - first] = rows[row:row + 1] @ product
            return scores

        def assign(start, stop):
            for first in range(start, stop, block):
                last = min(stop, first + block)
                scores = scores_of(first, last)
                best = np.argmin(scores, axis=1)
                idx[first:last] = best
                if distances:  # a score plus ||x - shift||^2 is the squared distance
                    flat, at = scores.ravel(), starts[:last - first] + best
                    near[first:last] = flat.take(at)
                    if K > 1:  # argmin again without the best: faster than min along a row
                        flat[at] = np.inf
                        at = starts[:last - first] + np.argmin(scores, axis=1)
                        second[first:last] = flat.take(at)
            if distances:
                for d in (near[start:stop], second[start:stop]):
                    d += lengths[start:stop]
                    np.sqrt(np.maximum(d, 0.0, out=d), out=d)

        if m < 4 * block:
            assign(0, m)
        else:
            half = (m // 2 + block - 1) // block * block
            list(_threads().map(assign, (0, half), (half, m)))
        return idx, near, second

    def scale(self, centroids: np.ndarray) -> float:
        """A length at least that of every row and every centroid, shifted as
        :meth:`closest` shifts them for these centroids."""
        if self._range is None:
            n = self.X.shape[1]
            self._range = ((self.X.min(axis=0), self.X.max(axis=0)) if len(self.X) else
                           (np.zeros(n), np.zeros(n)))
        shift = shift_for(centroids)
        low, high = self._range
        farthest = np.maximum(np.abs(low - shift), np.abs(high - shift))
        return float(np.sqrt(farthest @ farthest) +
                     np.sqrt(((centroids - shift) ** 2).sum(axis=1).max()))

    def means(self, idx, K: int) -> np.ndarray:
        """The (K, n) weighted means of the clusters ``idx`` makes; NaN rows for empty ones."""
        totals = np.bincount(idx, weights=self.weights, minlength=K)
        sums = np.empty((K, len(self.weighted_columns)))
        for j, column in enumerate(self.weighted_columns):
            sums[:, j] = np.bincount(idx, weights=column, minlength=K)
        with np.errstate(invalid="ignore"):
            return sums / totals[:, None]


# A row keeps its label without new scores only when its bounds are apart by more than this
# fraction of the data's scale (:meth:`WeightedLloyd.scale`): far more than the rounding of the
# expanded distance (about 1e-15 of the scale squared, 3e-8 of it once a square root is taken),
# so such a row's scores would have given it the same label; rows nearer a tie get new scores.
SLACK = 1e-5


class BoundedSteps:
    """:meth:`WeightedLloyd.closest` for centroids that move a little each step, with Hamerly's
    bounds: for every row an upper bound on its distance to its own centroid and a lower bound on
    its distance to every other. When the centroids move, a row's upper bound grows by how far
    its centroid moved and its lower bound shrinks by the farthest move; only the rows whose
    bounds then overlap (within :data:`SLACK`) get new scores. The labels are those
    :meth:`WeightedLloyd.closest` gives (``tests/test_compress_engine.py``): a row not rescored
    is nearer its own centroid than any other by more than rounding could change."""

    def __init__(self, lloyd: "WeightedLloyd"):
        self.lloyd = lloyd
        self.centroids = None
        self.rescored = 0  # rows given new scores, over every call

    def closest(self, centroids) -> np.ndarray:
        centroids = np.array(centroids, dtype=float)
        if self.centroids is None or self.centroids.shape != centroids.shape:
            self.idx, self.upper, self.lower = self.lloyd.closest_two(centroids)
            self.centroids = centroids
            self.rescored += len(self.idx)
            return self.idx.copy()
        moved = np.sqrt(((centroids - self.centroids) ** 2).sum(axis=1))
        self.centroids = centroids
        self.upper += moved[self.idx]
        self.lower -= moved.max()  # no other centroid came nearer than the farthest moved
        slack = SLACK * self.lloyd.scale(centroids)
        doubtful = np.flatnonzero(self.upper >= self.lower - slack)
        if len(doubtful):
            idx, upper, lower = self.lloyd.closest_two(centroids, doubtful)
            self.idx[doubtful], self.upper[doubtful], self.lower[doubtful] = idx, upper, lower
            self.rescored += len(doubtful)
        return self.idx.copy()


# The rows the graded find_closest_centroids multiplies at a time: GRADED_BLOCK_SCORES // K
# (tests/test_compress_engine.py checks it is the graded module's own block size).
GRADED_BLOCK_SCORES = 1 << 16


def alone_in_reference(m: int, K: int) -> np.ndarray:
    """The rows of an (m, n) X that the graded ``find_closest_centroids`` multiplies alone (a
    last block of one row, or every row when a block holds one), which get gemv's rounding."""
    rows = max(1, min(m, GRADED_BLOCK_SCORES // K))
    if rows == 1:
        return np.arange(m)
    return np.array([m - 1]) if m % rows == 1 else np.empty(0, dtype=np.int64)


def block_rows(K: int, n: int) -> int:
    """Rows of a distance block: its rows and scores (K + n + 2 floats a row) take at most a
    quarter of one core's cache, and it has at most 2**16 scores, so OpenBLAS multiplies it on
    the calling thread (it spreads a product over its own threads past M * N * K = 2**18,
    which, with our two threads, made steps several times slower on a busy machine)."""
    return max(1, min(cache_bytes() // 4 // (8 * (K + n + 2)), (1 << 16) // K))


@functools.cache
def _threads():
    """The two threads the distance blocks are shared between, made when first needed."""
    from concurrent.futures import ThreadPoolExecutor  # 5 to 8 ms: only when needed

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
    bounded = BoundedSteps(lloyd)
    centroids = np.array(initial_centroids, dtype=float)
    K = centroids.shape[0]
    idx = None
    for step in range(1, max_iters + 1):
        new_idx = bounded.closest(centroids)
        changed = -1 if idx is None else int(np.count_nonzero(new_idx != idx))
        if on_step is not None:
            on_step(step, changed)
        if until_stable and changed == 0:
            return centroids, new_idx
        idx = new_idx
        means = lloyd.means(idx, K)
        empty = np.isnan(means).any(axis=1)
        centroids = np.where(empty[:, None], centroids, means)
    return centroids, bounded.closest(centroids)
