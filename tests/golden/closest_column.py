# golden: returns a column (m, 1) instead of a 1-D array
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full
# fails: find_closest_centroids: every example gets its nearest centroid (200 points, K = 5, n = 3)
import numpy as np


def find_closest_centroids(X, centroids):
    d = ((X[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    return np.argmin(d, axis=1).reshape(-1, 1)
