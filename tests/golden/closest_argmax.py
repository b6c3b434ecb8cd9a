# golden: argmax instead of argmin
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# says: compress_image uses your find_closest_centroids, which fails its checks: fix that first.
# fails: find_closest_centroids: every example gets its nearest centroid (200 points, K = 5, n = 3)
# fails: find_closest_centroids: the six-point sample gives [0, 1, 0, 1, 0, 1]
import numpy as np


def find_closest_centroids(X, centroids):
    return np.argmax(((X[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
