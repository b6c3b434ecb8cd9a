# golden: checks K > m but not K < 1, so K = 0 returns an empty array
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full
# fails: kmeans_init_centroids: K < 1 or K > m raises ValueError [K=0, m=10]
# says: kmeans_init_centroids(X, K=0) with m = 10 rows should raise ValueError
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if K > len(X):
        raise ValueError(f"K must be at most {len(X)}")
    return X[np.random.default_rng(rng).choice(len(X), size=K, replace=False)].copy()
