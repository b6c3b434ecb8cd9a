"""Greedy k-means++ seeding on weighted rows, and how many seedings the default tries."""

import math

import numpy as np

from . import fused

# k-means++ seeding is done on at most this many distinct colours (a sample drawn by pixel
# counts when a photo has more); Lloyd's steps then use every distinct colour.
SEEDING_ROWS = 1 << 15
# Up to K = 64 the default tries this many seedings, each followed by a few Lloyd steps, and
# goes on from the one with the lowest distortion: there one seeding alone lands up to 5% above
# or below scikit-learn's KMeans(init="k-means++") depending on the seed, and the best of three
# after 20 steps each at or below its median on the benchmark's photos (after 8 steps each, not
# always). At larger K one seeding is already as good, and seeding costs more (it grows with K).
TRIES = 3
TRIES_UP_TO_K = 64
TRIAL_STEPS = 20


def tries_for(K: int) -> int:
    """How many k-means++ seedings the default tries at this K."""
    return TRIES if K <= TRIES_UP_TO_K else 1


def kmeans_plus_plus(X: np.ndarray, weights: np.ndarray, K: int, rng) -> np.ndarray:
    """K initial centroids among the rows of ``X`` by greedy k-means++.

    ``X`` : (m, n) float array of distinct rows, row i standing for ``weights[i]`` identical
    rows. The first centroid is a row drawn in proportion to its weight; each next one is the
    best of ``2 + ln K`` candidates drawn in proportion to weight times squared distance to the
    nearest centroid so far (the one that lowers the total squared distance most), as in
    Arthur and Vassilvitskii's k-means++ with the greedy candidates scikit-learn uses. Needs
    ``K <= m``. Returns a (K, n) float array. The candidates are scored by the compiled kernel
    (:mod:`.fused`) when it is there and n = 3, else by :func:`best_candidate`, its numpy twin:
    the same choices.
    """
    rng = np.random.default_rng(rng)
    X = np.ascontiguousarray(X, dtype=np.float64)
    m = X.shape[0]
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    trials = 2 + int(math.log(K))
    compiled = fused.kernel() if X.ndim == 2 and X.shape[1] == 3 else None
    best_of = compiled.candidates if compiled is not None else best_candidate

    chosen = [int(rng.choice(m, p=weights / weights.sum()))]
    closest = squared_distances(X, X[chosen[0]])
    for _ in range(1, K):
        cumulative = np.cumsum(weights * closest)
        if cumulative[-1] <= 0:  # every row is a centroid already (K > distinct rows)
            raise ValueError(f"cannot choose {K} distinct centroids among {m} distinct rows")
        draws = rng.random(trials) * cumulative[-1]
        candidates = np.minimum(np.searchsorted(cumulative, draws, side="right"), m - 1)
        best = best_of(X, weights, closest, candidates.astype(np.int64))
        chosen.append(int(candidates[best]))
    return X[chosen].copy()


def squared_distances(X: np.ndarray, c: np.ndarray) -> np.ndarray:
    """(m,): ``(d0 d0 + d1 d1) + ...`` between each row of X and the row c, in column order."""
    d = X[:, 0] - c[0]
    s = d * d
    for j in range(1, X.shape[1]):
        d = X[:, j] - c[j]
        s += d * d
    return s


def best_candidate(X, weights, closest, rows) -> int:
    """The kernel's ``candidates`` in numpy: the first of ``rows`` whose potential (the weighted
    sum, in row order, of each row's squared distance to its nearest centroid with it added)
    is least; ``closest`` becomes those distances for it."""
    potentials, nearest = [], []
    for row in rows:
        d = np.minimum(squared_distances(X, X[row]), closest)
        potentials.append(np.cumsum(weights * d)[-1])  # a cumulative sum adds in row order
        nearest.append(d)
    best = int(np.argmin(potentials))
    closest[:] = nearest[best]
    return best
