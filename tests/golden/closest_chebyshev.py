# golden: takes the largest coordinate difference (Chebyshev) instead of the Euclidean distance
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=full kmeans_init_centroids=full
# fails: find_closest_centroids: every example gets its nearest centroid (200 points, K = 5, n = 3)
# says: find_closest_centroids failed this hidden check: some examples got a centroid that is not the nearest
import numpy as np


def find_closest_centroids(X, centroids):
    return np.argmin(np.abs(X[:, None, :] - centroids[None]).max(axis=2), axis=1)
