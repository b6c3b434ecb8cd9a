# golden: no randomness at all: the first K rows
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full
# fails: kmeans_init_centroids: the same seed gives the same centroids, other seeds others
# fails: kmeans_init_centroids: every row of X can be chosen, about equally often
# fails: kmeans_init_centroids: different seeds give different centroids
# says: all gave the same centroids, rows [0, 1, 2, 3, 4] of X (the first K rows)
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("bad K")
    return X[:K].copy()
