# golden: samples indices with replacement
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full
# fails: kmeans_init_centroids: K = m gives every row of X once
# fails: kmeans_init_centroids: K = m gives every row of X once (6 x 2, K = 6)
# says: draw the indices without replacement, with rng.choice(m, K, replace=False)
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("bad K")
    return X[np.random.default_rng(rng).integers(0, len(X), size=K)]
