"""The default's Lloyd steps in one pass a step: a small compiled kernel, and its numpy twin.

The k-means++ default runs these steps (``--init random`` runs :mod:`.lloyd`'s, which give the
graded functions' labels bit for bit). A step gives every row (an image's distinct colour,
weighted by its count) the centroid of least squared distance ``(d0 d0 + d1 d1) + d2 d2``,
``d = x - c`` (the lowest index on ties, as ``np.argmin``). Each cluster's sums are of its
weighted colours on the 0-255 scale, whole numbers whose sums are exact in any order; so they
are kept from step to step, a step moving only the rows that changed cluster from one cluster's
sums to another's (see :class:`FusedLloyd`). Hamerly's bounds (an upper bound on each row's
distance to its own centroid, a lower bound on its distance to every other) skip the rows whose
label cannot have changed; the others are scored again. The bounds are kept lazily: a row's
upper bound is its stored number plus how far its centroid has moved in all (``drift``), its
lower bound its stored number minus the sum of every step's farthest move (``far``), so a row
whose label is sure is read (its label and two bounds), never written.

Two implementations of the same arithmetic in the same order:

- ``_kernel`` (``_kernel.c``, built by ``pip install`` when a C compiler is there): each row's
  bounds are checked once a step and, only if needed, its K scores computed and, if its label
  changed, its weighted colour moved between the clusters' sums, in three passes over the rows
  that do not branch on the bounds (the rows in doubt, those still in doubt after the distance
  to their own centroid, their scores);
- :func:`step_numpy`: the same, as whole-array numpy passes; it runs when the kernel is not
  built, or with ``KMEANS_COMPRESS_KERNEL=0`` in the environment (or :data:`USE_KERNEL` false).

They give the same labels, bounds, sums and so centroids, bit for bit
(``tests/test_compress_kernel.py``). On a 12-megapixel photo (383,000 distinct colours) the
kernel's run of steps took 3.5 to 4 times less CPU than numpy's, which reads every row a dozen
times a step; 5 to 8 times since the kernel scores four centroids at a time and checks the
bounds without branching on them (the full runs of the 1 and 4 MP photos at K = 16 and 64,
replayed on one thread). Keeping the sums rather than adding every row again cut a step in which
few rows are rescored 2.7 times at 1 megapixel, K = 16 (0.48 to 0.18 ms, one thread).

The steps start with momentum: the next centroids are the means just found plus ``beta`` times
how far the means moved since the last step (``beta`` 0 at first, :data:`MOMENTUM_STEP` more
after each step, at most :data:`MOMENTUM`). Lloyd's plain steps often creep along a slow slope
(a hundred steps or more, each lowering the distortion by 1e-5 of it), where the means move the
same way step after step; momentum takes those steps several at a time. A step whose distortion
is above the least so far is an overshoot: the next step starts again from the means of that
least, with no momentum. The momentum is off for good once a step lowers the distortion by at
most ``tol`` of it; from there the steps are plain Lloyd steps, and at the cap they end on the
means of the least distortion found. On the benchmark's photos (1, 4 and 12 megapixels at K = 8,
16, 64; three small photos at K = 16, 64, 256) it took fewer steps in 10 of the 15 cases (up to
3.2 times fewer: 187 to 59 at 1 megapixel, K = 16; 96 to 47 at 12 megapixels, K = 64), one more
in three at K = 8 or 16, and more in one (41 to 57, to a distortion 1% lower); the distortion
was as low or lower in all but one (0.014% higher).

The steps stop when the centroids settle: when :data:`PATIENCE` (5) plain steps in a row have
each lowered the distortion (the weighted sum of squared distances to the centroids) by at most
``tol`` times itself, or when a plain step changed no colour's cluster, or at the cap. With
``tol = 0`` there is no momentum: plain steps until no colour changes cluster. The distortion is
computed from the clusters' sums, which both implementations give bit for bit, so both take the
same steps and stop at the same one.
"""

import functools
import os

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
# The momentum the steps start with (see the module): 0 on the first step, MOMENTUM_STEP more on
# each step that lowers the least distortion so far, at most MOMENTUM.
MOMENTUM = 1.0
MOMENTUM_STEP = 0.1
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


def step_numpy(X, rgb, weights, centroids, labels, upper, lower, drift, sums, totals,
               first: bool, slack: float, far: float):
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
        if first:
            moved, old = rows, None
        else:
            moving = labels[rows] != best
            changed += int(np.count_nonzero(moving))
            moved, old = rows[moving], labels[rows[moving]]
        labels[rows] = best
        upper[rows] = np.sqrt(near) - drift[best]
        lower[rows] = np.sqrt(second) + far
        # the weighted colours of the rows that moved, taken from their old clusters' sums and
        # added to their new ones': whole numbers, so exact in any order (see FusedLloyd)
        new, w = labels[moved], weights[moved]
        totals += np.bincount(new, weights=w, minlength=K)
        if old is not None:
            totals -= np.bincount(old, weights=w, minlength=K)
        for j in range(3):
            wx = rgb[moved, j] * w
            sums[:, j] += np.bincount(new, weights=wx, minlength=K)
            if old is not None:
                sums[:, j] -= np.bincount(old, weights=wx, minlength=K)
    return changed, len(todo)


class FusedLloyd:
    """Lloyd's steps on distinct colours ``rgb`` (m, 3) uint8, row i standing for
    ``weights[i]`` (m,) pixels (whole numbers).

    The distances are those of the colours on the [0, 1] scale (``rgb / 255``, float64); each
    cluster's sums are of the weighted colours ``weights[i] * rgb[i]`` on the 0-255 scale, which
    are whole numbers, as are all their sums (far below 2**53): so they are exact, the same in
    whatever order they are made, and a step need only move the rows that changed cluster from
    one cluster's sums to another's, rather than add every row again.
    """

    def __init__(self, rgb, weights):
        self.rgb = np.ascontiguousarray(rgb)
        if self.rgb.dtype != np.uint8 or self.rgb.ndim != 2 or self.rgb.shape[1] != 3:
            raise ValueError(f"rgb must be (m, 3) uint8, got {self.rgb.shape} {self.rgb.dtype}")
        self.X = self.rgb / 255.0
        self.weights = np.ascontiguousarray(weights, dtype=np.float64)
        if self.weights.shape != (len(self.rgb),):
            raise ValueError(f"weights must be ({len(self.rgb)},), got {self.weights.shape}")
        if len(self.weights) and not (np.all(self.weights >= 0) and
                                      np.all(self.weights == np.floor(self.weights)) and
                                      float(self.weights.sum()) * 255 < 2.0 ** 50):
            raise ValueError("weights must be whole numbers of pixels, in all below 2**42")
        whole = self.rgb.astype(np.int32)
        lengths = np.einsum("mn,mn->m", whole, whole)  # each colour's squared length, 0-255
        # the sum of the weighted squared colours, a whole number on the 0-255 scale, summed in
        # integers (a float vector product of more than 10,000 numbers wakes OpenBLAS's threads,
        # which then spin on the other core for a while)
        self.squares = float(np.einsum("m,m->", self.weights.astype(np.int64), lengths))
        # the longest colour on the [0, 1] scale (from the whole numbers: a sum along rows of
        # three took half of this setup's time)
        self.reach = float(np.sqrt(lengths.max())) / 255.0 if len(self.X) else 0.0

    def parts(self):
        """Where the rows are split: two halves from :data:`SPLIT_FROM` rows on, the kernel
        running them on two threads (each half's moves are added to the sums, exactly)."""
        m = len(self.X)
        return [(0, m)] if m < SPLIT_FROM else [(0, m // 2), (m // 2, m)]

    def step(self, step, centroids, labels, upper, lower, drift, sums, totals, first: bool,
             slack: float, far: float):
        """One step over every part; ``sums`` and ``totals`` are updated. Returns how many
        rows changed cluster (-1 on the first)."""
        K = len(centroids)

        def part(bounds):
            a, b = bounds
            moves, weight = np.zeros((K, 3)), np.zeros(K)
            changed, _ = step(self.X[a:b], self.rgb[a:b], self.weights[a:b], centroids,
                              labels[a:b], upper[a:b], lower[a:b], drift, moves, weight, first,
                              slack, far)
            return changed, moves, weight

        parts = self.parts()
        if step is step_numpy or len(parts) == 1:
            done = [part(bounds) for bounds in parts]
        else:  # the second half on the other thread, the first on this one
            second = _threads().submit(part, parts[1])
            done = [part(parts[0]), second.result()]
        changed = -1 if first else sum(more for more, _, _ in done)
        for _, moves, weight in done:
            sums += moves
            totals += weight
        return changed

    def run(self, initial, max_steps: int, tol: float, on_step=None):
        """Steps from ``initial`` (K, 3) on the [0, 1] scale until the centroids settle (see
        the module), at most ``max_steps``. ``on_step(i, changed)`` is told after step i (from
        1) how many rows changed cluster (-1 for the first). Returns ``(centroids, idx, steps,
        stable)``: the (K, 3) centroids, every row's label for them (m,) int64, the steps run
        and whether the last changed no label. An empty cluster keeps its centroid.

        With ``tol > 0`` the steps start with momentum (see the module); with ``tol = 0`` they
        are plain Lloyd steps until no row changes cluster."""
        centroids = np.array(initial, dtype=np.float64)
        K, m = len(centroids), len(self.X)
        compiled = kernel()
        step = compiled.step if compiled is not None else step_numpy
        labels = np.zeros(m, dtype=np.int32)
        upper, lower = np.zeros(m), np.zeros(m)
        sums, totals = np.zeros((K, 3)), np.zeros(K)  # each cluster's, kept from step to step
        drift, far = np.zeros(K), 0.0  # how far each centroid moved in all; the farthest moves
        slack = SLACK * (self.reach + float(np.sqrt((centroids ** 2).sum(axis=1).max())))
        steps, changed, calm = 0, -1, 0
        best, best_means, last_means = np.inf, centroids, None  # the least distortion so far
        accelerating, beta = tol > 0, 0.0
        plain = True  # this step's centroids are means (or the initial ones), not extrapolated
        while steps < max_steps:
            changed = self.step(step, centroids, labels, upper, lower, drift, sums, totals,
                                steps == 0, slack, far)
            steps += 1
            if on_step is not None:
                on_step(steps, changed)
            if changed == 0 and plain:  # the centroids are already their clusters' means
                return centroids, labels.astype(np.int64), steps, True
            full = totals > 0
            with np.errstate(invalid="ignore", divide="ignore"):
                means = sums / (255.0 * totals[:, None])
            means = np.where(full[:, None], means, centroids)
            # the distortion of these labels with these means (on the [0, 1] scale, times the
            # pixels): (sum w |x|^2 - sum |S_k|^2 / W_k) / 255^2
            after = (self.squares -
                     float((sums[full] ** 2).sum(axis=1) @ (1.0 / totals[full]))) / 65025.0
            if accelerating and after > best:  # the momentum overshot: back to the best means
                new, plain, beta = best_means, True, 0.0
            else:
                small = best - after <= tol * after
                if accelerating and small:  # settling: plain steps from here on
                    accelerating, small = False, False
                calm = calm + 1 if small else 0
                last_means, best, best_means = best_means, after, means
                if calm < PATIENCE and accelerating and beta > 0:
                    new, plain = means + beta * (means - last_means), False
                else:
                    new, plain = means, True
                beta = min(MOMENTUM, beta + MOMENTUM_STEP) if accelerating else 0.0
            if not plain and steps == max_steps:  # the cap: end on the best means found
                new, plain = best_means, True
            moved = np.sqrt(((new - centroids) ** 2).sum(axis=1))
            drift += moved
            far += float(moved.max())
            centroids = new
            if calm >= PATIENCE:
                break
        # the labels for the centroids found (from the bounds, unless no step ran)
        self.step(step, centroids, labels, upper, lower, drift, sums, totals, steps == 0,
                  slack, far)
        return centroids, labels.astype(np.int64), steps, changed == 0 and plain


@functools.cache
def _threads():
    """The thread a step's second half runs on (the first runs on the caller's), made when
    first needed."""
    from concurrent.futures import ThreadPoolExecutor  # 5 to 8 ms: only when needed

    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="compress")
