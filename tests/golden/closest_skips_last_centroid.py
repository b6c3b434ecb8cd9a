# golden: an off-by-one loop over range(K - 1): the last centroid is never chosen
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=full kmeans_init_centroids=full
# fails: find_closest_centroids: the six-point sample gives [0, 1, 0, 1, 0, 1]
# says: find_closest_centroids: idx for the six-point sample with centroids [[
import numpy as np


def find_closest_centroids(X, centroids):
    idx = np.zeros(len(X), dtype=int)
    best = np.full(len(X), np.inf)
    for k in range(len(centroids) - 1):
        d = ((X - centroids[k]) ** 2).sum(axis=1)
        idx[d < best] = k
        best = np.minimum(best, d)
    return idx
