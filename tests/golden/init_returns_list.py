# golden: returns a Python list of rows
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=0
# fails: kmeans_init_centroids: returns K distinct rows of a small X (10 x 2, K = 4)
# says: kmeans_init_centroids should return the initial centroids as a numpy.n
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError(f"K must be in [1, {len(X)}]")
    return [X[i].copy() for i in np.random.default_rng(rng).choice(len(X), size=K, replace=False)]
