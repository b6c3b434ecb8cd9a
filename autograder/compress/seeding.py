"""Greedy k-means++ seeding on weighted rows, and how many seedings the default tries.

The default's random draws (the seeding's and the sample's it is done on) come from Python's
own Mersenne Twister (:class:`random.Random`), many at a time as raw bytes, not from
``numpy.random``: importing that took 11 to 15 ms of every `compress` run (a tenth of the whole
command at 1 megapixel), and ``random`` is imported by the standard library anyway. A seed
gives the same draws on every machine and every numpy.
"""

import math
import random

import numpy as np

from . import fused

# k-means++ seeding is done on at most this many distinct colours (a sample drawn by pixel
# counts when a photo has more); Lloyd's steps then use every distinct colour.
SEEDING_ROWS = 1 << 15
# The default tries several seedings, each followed by a few Lloyd steps on the seeding sample,
# and goes on from the one with the lowest distortion: one seeding alone lands up to 5% above or
# below scikit-learn's KMeans(init="k-means++") depending on the seed. Over 30 seeds of the
# benchmark's photos at 1 and 4 megapixels, the best of three after 20 steps each still ended in
# a worse optimum (+9% at K = 8, +2% at K = 16) in 5 of 30 runs at K = 8 and 15 and 13 of 30 at
# K = 16 (scikit-learn's k-means++: 6 of 20 and 19 of 20 at 1 megapixel); the best of eight
# after 10 steps each in 0 of 30 at K = 8 and 6 of 30 at K = 16, for about 15 CPU ms more a run
# (the number of steps a trial runs hardly changed which seeding won: the seeding decides). At
# K = 64 five were no better than three (28 of 30 in the best optimum either way); past it one
# seeding is already as good, and seeding costs more (it grows with K).
TRIES = {16: (8, 10), 64: (3, 20)}  # up to this K: (seedings, trial steps); one seeding past


def generator(seed) -> random.Random:
    """The draws' generator: ``seed`` itself when it is a :class:`random.Random`, else one
    seeded with it (a whole number; None: from the operating system's randomness)."""
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def uniforms(rng: random.Random, n: int) -> np.ndarray:
    """(n,) floats in [0, 1), each of 53 random bits from ``rng`` (as ``rng.random()`` makes
    them, but drawn as bytes at once: 32,768 of them in a fraction of a millisecond)."""
    bits = np.frombuffer(rng.randbytes(8 * n), dtype="<u8") >> np.uint64(11)
    return bits * 2.0 ** -53


def weighted_draws(rng: random.Random, cumulative: np.ndarray, n: int) -> np.ndarray:
    """(n,) int64 rows drawn with replacement, row i with probability proportional to its
    weight, from ``cumulative`` (m,), the running sum of the m weights (its last positive). A
    row of weight 0 is never drawn."""
    return _rows_at(cumulative, uniforms(rng, n) * cumulative[-1])


def _rows_at(cumulative: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """The row each draw in [0, total) falls on: the first whose running sum is above it."""
    return np.minimum(np.searchsorted(cumulative, draws, side="right"), len(cumulative) - 1)


def draw_counts(rng: random.Random, cumulative: np.ndarray, n: int) -> np.ndarray:
    """(m,) int64: how many of n draws with replacement (as :func:`weighted_draws` makes them,
    the same draws) fell on each row. The draws are sorted before they are looked up, which
    changes no count: a sorted search walks the running sum in order rather than at random
    (32,768 draws among 146,304 rows: 4.2 ms unsorted, 2.0 sorted)."""
    rows = _rows_at(cumulative, np.sort(uniforms(rng, n) * cumulative[-1]))
    return np.bincount(rows, minlength=len(cumulative))


def tries_for(K: int) -> int:
    """How many k-means++ seedings the default tries at this K (:data:`TRIES`)."""
    return trials_for(K)[0]


def trials_for(K: int) -> tuple[int, int]:
    """``(seedings, steps)``: how many k-means++ seedings the default tries at this K, and how
    many Lloyd steps at most each is given on the seeding sample before they are compared (one
    seeding at K = 1, where every seeding ends at the same mean)."""
    if K <= 1:
        return 1, 0
    return next((tries for up_to, tries in sorted(TRIES.items()) if K <= up_to), (1, 0))


def kmeans_plus_plus(X: np.ndarray, weights: np.ndarray, K: int, rng=None) -> np.ndarray:
    """K initial centroids among the rows of ``X`` by greedy k-means++.

    ``X`` : (m, n) float array of distinct rows, row i standing for ``weights[i]`` identical
    rows. The first centroid is a row drawn in proportion to its weight; each next one is the
    best of ``2 + ln K`` candidates drawn in proportion to weight times squared distance to the
    nearest centroid so far (the one that lowers the total squared distance most), as in
    Arthur and Vassilvitskii's k-means++ with the greedy candidates scikit-learn uses. ``rng``:
    a seed or a :class:`random.Random` (see :func:`generator`). Needs ``K <= m``. Returns a
    (K, n) float array. The candidates are scored by the compiled kernel
    (:mod:`.fused`) when it is there and n = 3, else by :func:`best_candidate`, its numpy twin:
    the same choices.
    """
    rng = generator(rng)
    X = np.ascontiguousarray(X, dtype=np.float64)
    columns = np.ascontiguousarray(X.T)  # the kernel reads several rows' coordinates at once
    m = X.shape[0]
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    trials = 2 + int(math.log(K))
    compiled = fused.kernel() if X.ndim == 2 and X.shape[1] == 3 else None
    best_of = compiled.candidates if compiled is not None else best_candidate

    chosen = [int(weighted_draws(rng, np.cumsum(weights), 1)[0])]
    closest = squared_distances(X, X[chosen[0]])
    cumulative = np.cumsum(weights * closest)
    for _ in range(1, K):
        if cumulative[-1] <= 0:  # every row is a centroid already (K > distinct rows)
            raise ValueError(f"cannot choose {K} distinct centroids among {m} distinct rows")
        candidates = weighted_draws(rng, cumulative, trials).astype(np.int64)
        best = best_of(columns, weights, closest, candidates, cumulative)
        chosen.append(int(candidates[best]))
    return X[chosen].copy()


def lane_sum(v: np.ndarray) -> float:
    """The sum of ``v`` (m,) as the kernel makes it: four running sums, value i into sum i % 4 in
    order (a cumulative sum adds in order; the zeros that pad the last four change nothing),
    then (s0 + s1) + (s2 + s3). Four sums, not one, so that the kernel adds four rows at once."""
    padded = np.zeros(-(-len(v) // 4) * 4)
    padded[:len(v)] = v
    s = np.cumsum(padded.reshape(-1, 4), axis=0)[-1]
    return float((s[0] + s[1]) + (s[2] + s[3]))


def squared_distances(X: np.ndarray, c: np.ndarray) -> np.ndarray:
    """(m,): ``(d0 d0 + d1 d1) + ...`` between each row of X and the row c, in column order."""
    d = X[:, 0] - c[0]
    s = d * d
    for j in range(1, X.shape[1]):
        d = X[:, j] - c[j]
        s += d * d
    return s


def best_candidate(columns, weights, closest, rows, cumulative) -> int:
    """The kernel's ``candidates`` in numpy: the first of ``rows`` whose potential (the weighted
    sum, by :func:`lane_sum`, of each row's squared distance to its nearest centroid with it
    added) is least; ``closest`` becomes those distances for it, and ``cumulative`` the running
    sum of ``weights * closest`` (the next draws'). ``columns`` (n, m): the rows' coordinates
    column by column."""
    X = columns.T
    potentials, nearest = [], []
    for row in rows:
        d = np.minimum(squared_distances(X, X[row]), closest)
        potentials.append(lane_sum(weights * d))
        nearest.append(d)
    best = int(np.argmin(potentials))
    closest[:] = nearest[best]
    np.cumsum(weights * closest, out=cumulative)
    return best
