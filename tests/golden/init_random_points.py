# golden: random points in the bounding box, not rows of X
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=0
# fails: kmeans_init_centroids: returns K distinct rows of a larger X (50 x 3, K = 8)
# fails: kmeans_init_centroids: returns K distinct rows of a small X (10 x 2, K = 4)
# fails: kmeans_init_centroids: X is not modified (e.g. shuffled in place)
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("bad K")
    g = np.random.default_rng(rng)
    return X.min(axis=0) + g.random((K, X.shape[1])) * (X.max(axis=0) - X.min(axis=0))
