"""Greedy k-means++ seeding on weighted rows, and how many seedings the default tries."""

import math

import numpy as np

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
    ``K <= m``. Returns a (K, n) float array.
    """
    rng = np.random.default_rng(rng)
    m = X.shape[0]
    weights = np.asarray(weights, dtype=float)
    trials = 2 + int(math.log(K))

    def squared_distances(rows):
        # Column by column rather than as a matrix product: a product this thin runs on
        # OpenBLAS's own threads, which on a busy machine cost more than they save.
        d = np.zeros((m, len(rows)))
        for j in range(X.shape[1]):
            d += (X[:, j, None] - X[rows, j]) ** 2
        return d

    chosen = [int(rng.choice(m, p=weights / weights.sum()))]
    closest = squared_distances(chosen)[:, 0]
    for _ in range(1, K):
        cumulative = np.cumsum(weights * closest)
        if cumulative[-1] <= 0:  # every row is a centroid already (K > distinct rows)
            raise ValueError(f"cannot choose {K} distinct centroids among {m} distinct rows")
        draws = rng.random(trials) * cumulative[-1]
        candidates = np.minimum(np.searchsorted(cumulative, draws, side="right"), m - 1)
        d = squared_distances(candidates)
        np.minimum(d, closest[:, None], out=d)
        best = int(np.argmin(weights @ d))
        chosen.append(int(candidates[best]))
        closest = d[:, best].copy()
    return X[chosen].copy()
