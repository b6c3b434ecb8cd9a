# golden: returns the distance matrix instead of the indices
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# says: compress_image uses your find_closest_centroids, which fails its checks: fix that first.
# fails: find_closest_centroids: every example gets its nearest centroid (200 points, K = 5, n = 3)
import numpy as np


def find_closest_centroids(X, centroids):
    return ((X[:, None, :] - centroids[None]) ** 2).sum(axis=2)
