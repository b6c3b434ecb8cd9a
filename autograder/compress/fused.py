"""The default's Lloyd steps in one pass a step: a small compiled kernel, and its numpy twin.

The k-means++ default runs these steps (``--init random`` runs :mod:`.lloyd`'s, which give the
graded functions' labels bit for bit). A step gives every row (an image's distinct colour,
weighted by its count) the centroid of least squared distance ``(d0 d0 + d1 d1) + d2 d2``,
``d = x - c`` (the lowest index on ties, as ``np.argmin``), and sums the weighted rows of each
cluster in row order, as ``np.bincount`` does. Hamerly's bounds (an upper bound on each row's
distance to its own centroid, a lower bound on its distance to every other) skip the rows whose
label cannot have changed; the others are scored again. The bounds are kept lazily: a row's
upper bound is its stored number plus how far its centroid has moved in all (``drift``), its
lower bound its stored number minus the sum of every step's farthest move (``far``), so a row
whose label is sure is read, never written.

Two implementations of the same arithmetic in the same order:

- ``_kernel`` (``_kernel.c``, built by ``pip install`` when a C compiler is there): each row is
  read once a step, its bounds checked and, only if needed, its K scores computed, and its
  weighted colour added to its cluster's sums, in one loop;
- :func:`step_numpy`: the same, as whole-array numpy passes; it runs when the kernel is not
  built, or with ``KMEANS_COMPRESS_KERNEL=0`` in the environment (or :data:`USE_KERNEL` false).

They give the same labels, bounds, sums and so centroids, bit for bit
(``tests/test_compress_kernel.py``). On a 12-megapixel photo (383,000 distinct colours) the
kernel's run of steps took 3.5 to 4 times less CPU than numpy's, which reads every row a dozen
times a step.

The steps stop when the centroids settle: when :data:`PATIENCE` (5) steps in a row have each
lowered the distortion (the weighted sum of squared distances to the centroids) by at most
``tol`` times itself, or when no colour changed cluster, or at the cap. The distortion is
computed from the clusters' sums, which both implementations give bit for bit, so both stop at
the same step.
"""

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

try:
    from . import _kernel
except ImportError:  # not built (no C compiler at install time): the numpy twin runs
    _kernel = None

ENVIRONMENT = "KMEANS_COMPRESS_KERNEL"
USE_KERNEL = True  # False (or KMEANS_COMPRESS_KERNEL=0): the numpy twin, even when built

# A row keeps its label without new scores only when its bounds are apart by more than this
# fraction of the data's scale: far more than the rounding of a squared distance of numbers at
# most that scale (about 1e-16 of it), and of its bounds moved over hundreds of steps.
SLACK = 1e-9
# The steps stop once this many in a row have each lowered the distortion by at most tol of it.
PATIENCE = 5
# From this many rows on a step is split in two halves (the kernel runs them on two threads).
SPLIT_FROM = 1 << 15
# Rows a block of the numpy twin's scores: (rows, K) float64 a few times over, in the cache.
BLOCK = 1 << 12


def kernel():
    """The compiled kernel, or None when it is not built or turned off."""
    if not USE_KERNEL or os.environ.get(ENVIRONMENT, "1") == "0":
        return None
    return _kernel


def squared_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """(m, K): ``(d0 d0 + d1 d1) + d2 d2`` for every row of X (m, 3) and centroid of C (K, 3)."""
    d = np.subtract.outer(X[:, 0], C[:, 0])
    s = d * d
    for j in (1, 2):
        np.subtract.outer(X[:, j], C[:, j], out=d)
        d *= d
        s += d
    return s


def own_squared_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """(m,): the same sum for row i of X and row i of C."""
    d = X[:, 0] - C[:, 0]
    s = d * d
    for j in (1, 2):
        d = X[:, j] - C[:, j]
        s += d * d
    return s


def step_numpy(X, weights, centroids, labels, upper, lower, drift, sums, totals, first: bool,
               slack: float, far: float):
    """The kernel's ``step``, in numpy: the same arguments, the same results and writes."""
    m, K = len(X), len(centroids)
    if first:
        todo = np.arange(m)
        changed = -1
    else:
        l = lower - far
        doubt = np.flatnonzero(upper + drift[labels] >= l - slack)
        u = np.sqrt(own_squared_distances(X[doubt], centroids[labels[doubt]]))
        sure = u < l[doubt] - slack
        upper[doubt[sure]] = u[sure] - drift[labels[doubt[sure]]]
        todo = doubt[~sure]
        changed = 0
    for first_row in range(0, len(todo), BLOCK):
        rows = todo[first_row:first_row + BLOCK]
        scores = squared_distances(X[rows], centroids)
        best = np.argmin(scores, axis=1)
        at = np.arange(len(rows))
        near = scores[at, best]
        if K > 1:
            scores[at, best] = np.inf
            second = scores.min(axis=1)
        else:
            second = np.full(len(rows), np.inf)
        if not first:
            changed += int(np.count_nonzero(labels[rows] != best))
        labels[rows] = best
        upper[rows] = np.sqrt(near) - drift[best]
        lower[rows] = np.sqrt(second) + far
    totals[:] = np.bincount(labels, weights=weights, minlength=K)
    for j in range(3):
        sums[:, j] = np.bincount(labels, weights=X[:, j] * weights, minlength=K)
    return changed, len(todo)


class FusedLloyd:
    """Lloyd's steps on X (m, 3) float, row i standing for ``weights[i]`` (m,) rows."""

    def __init__(self, X, weights):
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        if self.X.ndim != 2 or self.X.shape[1] != 3:
            raise ValueError(f"X must be (m, 3), got {self.X.shape}")
        self.weights = np.ascontiguousarray(weights, dtype=np.float64)
        self.squares = float(self.weights @ np.einsum("mn,mn->m", self.X, self.X))
        self.reach = float(np.sqrt((self.X ** 2).sum(axis=1).max())) if len(self.X) else 0.0

    def parts(self):
        """Where the rows are split: two halves from :data:`SPLIT_FROM` rows on (each summed
        alone, then the two sums added), whichever implementation runs, so that the sums are
        the same; the kernel runs the halves on two threads."""
        m = len(self.X)
        return [(0, m)] if m < SPLIT_FROM else [(0, m // 2), (m // 2, m)]

    def step(self, step, centroids, labels, upper, lower, drift, first: bool, slack: float,
             far: float):
        """One step over every part: ``(changed, sums, totals)``."""
        K = len(centroids)

        def part(bounds):
            a, b = bounds
            sums, totals = np.empty((K, 3)), np.empty(K)
            changed, _ = step(self.X[a:b], self.weights[a:b], centroids, labels[a:b],
                              upper[a:b], lower[a:b], drift, sums, totals, first, slack, far)
            return changed, sums, totals

        parts = self.parts()
        if step is step_numpy or len(parts) == 1:
            done = [part(bounds) for bounds in parts]
        else:  # the second half on the other thread, the first on this one
            second = _threads().submit(part, parts[1])
            done = [part(parts[0]), second.result()]
        changed, sums, totals = done[0]
        for more, part_sums, part_totals in done[1:]:
            changed = -1 if first else changed + more
            sums, totals = sums + part_sums, totals + part_totals
        return changed, sums, totals

    def run(self, initial, max_steps: int, tol: float, on_step=None):
        """Steps from ``initial`` (K, 3) until the centroids settle (see the module), at most
        ``max_steps``. ``on_step(i, changed)`` is told after step i (from 1) how many rows
        changed cluster (-1 for the first). Returns ``(centroids, idx, steps, stable)``: the
        (K, 3) centroids, every row's label for them (m,) int64, the steps run and whether the
        last changed no label. An empty cluster keeps its centroid."""
        centroids = np.array(initial, dtype=np.float64)
        K, m = len(centroids), len(self.X)
        compiled = kernel()
        step = compiled.step if compiled is not None else step_numpy
        labels = np.zeros(m, dtype=np.int32)
        upper, lower = np.zeros(m), np.zeros(m)
        drift, far = np.zeros(K), 0.0  # how far each centroid moved in all; the farthest moves
        slack = SLACK * (self.reach + float(np.sqrt((centroids ** 2).sum(axis=1).max())))
        steps, changed, before, calm = 0, -1, np.inf, 0
        while steps < max_steps:
            changed, sums, totals = self.step(step, centroids, labels, upper, lower, drift,
                                              steps == 0, slack, far)
            steps += 1
            if on_step is not None:
                on_step(steps, changed)
            if changed == 0:  # the centroids are already their clusters' means
                return centroids, labels.astype(np.int64), steps, True
            with np.errstate(invalid="ignore", divide="ignore"):
                means = sums / totals[:, None]
            full = totals > 0
            new = np.where(full[:, None], means, centroids)
            moved = np.sqrt(((new - centroids) ** 2).sum(axis=1))
            drift += moved
            far += float(moved.max())
            centroids = new
            # the distortion of these labels with these means: sum w |x|^2 - sum |S_k|^2 / W_k
            after = self.squares - float((sums[full] ** 2).sum(axis=1) @ (1.0 / totals[full]))
            calm = calm + 1 if before - after <= tol * after else 0
            if calm >= PATIENCE:
                break
            before = after
        # the labels for the centroids found (from the bounds, unless no step ran)
        self.step(step, centroids, labels, upper, lower, drift, steps == 0, slack, far)
        return centroids, labels.astype(np.int64), steps, changed == 0


@functools.cache
def _threads():
    """The thread a step's second half runs on (the first runs on the caller's), made when
    first needed."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="compress")
