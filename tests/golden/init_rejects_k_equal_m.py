# golden: an off-by-one check that refuses K = m (K >= m raises)
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full
# fails: kmeans_init_centroids: K = m gives every row of X once (6 x 2, K = 6)
# says: kmeans_init_centroids raised ValueError: K must be in [1, 5] (kmeans.p
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if K < 1 or K >= len(X):
        raise ValueError(f"K must be in [1, {len(X) - 1}]")
    return X[np.random.default_rng(rng).choice(len(X), size=K, replace=False)].copy()
