# golden: never raises ValueError itself (rng.choice happens to for K > m, not for K = 0)
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full compress_image=full
# fails: kmeans_init_centroids: K < 1 or K > m raises ValueError [K=0, m=12]
# fails: kmeans_init_centroids: K < 1 or K > m raises ValueError [K=0, m=10]
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    return X[np.random.default_rng(rng).choice(len(X), K, replace=False)]
