# golden: returns a slice of X, a view that shares its memory
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full
# fails: kmeans_init_centroids: returns a new array, not a view of X
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("bad K")
    m = len(X)
    start = int(np.random.default_rng(rng).integers(0, m - K + 1))
    return X[start:start + K]
