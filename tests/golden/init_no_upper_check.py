# golden: checks K < 1 but not K > m, and a permutation's slice silently gives fewer rows
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full compress_image=full
# fails: kmeans_init_centroids: K < 1 or K > m raises ValueError [K=11, m=10]
# fails: kmeans_init_centroids: K < 1 or K > m raises ValueError [K=13, m=12]
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if K < 1:
        raise ValueError("K must be at least 1")
    return X[np.random.default_rng(rng).permutation(len(X))[:K]]
