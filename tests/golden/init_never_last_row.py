# golden: an exclusive upper bound of m - 1: the last row is never chosen
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full
# fails: kmeans_init_centroids: every row of X can be chosen, about equally often
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("bad K")
    m = len(X)
    rows = np.random.default_rng(rng).permutation(m - 1)[:K] if K < m else np.arange(m)
    return X[rows]
