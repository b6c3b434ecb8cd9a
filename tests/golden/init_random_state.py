# golden: uses np.random.RandomState(rng), which takes no Generator
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full
# fails: kmeans_init_centroids: rng may be a numpy.random.Generator
# says: kmeans_init_centroids raised TypeError: Cannot cast scalar from dtype(
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError(f"K must be in [1, {len(X)}]")
    return X[np.random.RandomState(rng).choice(len(X), size=K, replace=False)].copy()
