# golden: takes the largest coordinate difference (Chebyshev) instead of the Euclidean distance
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=full kmeans_init_centroids=full
# fails: find_closest_centroids: every example gets its nearest centroid (200 points, K = 5, n = 3)
# says: find_closest_centroids: on a hidden (200, 3) X with 5 centroids: 36 of
import numpy as np


def find_closest_centroids(X, centroids):
    return np.argmin(np.abs(X[:, None, :] - centroids[None]).max(axis=2), axis=1)
