# golden: takes evenly spaced rows, X[::m // K], with no randomness
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full
# fails: kmeans_init_centroids: different seeds give different centroids
# says: kmeans_init_centroids: seeds 1, 2, 3, 4 all gave the same centroids, r
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError(f"K must be in [1, {len(X)}]")
    return X[::len(X) // K][:K].copy()
