# golden: ignores the seed (a fresh generator every call)
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full
# fails: kmeans_init_centroids: the same seed gives the same centroids, other seeds others
# fails: kmeans_init_centroids: the same seed gives the same centroids
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("bad K")
    return X[np.random.default_rng().choice(len(X), K, replace=False)]
