# golden: returns idx as a Python list
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=16
# says: compress_image uses your find_closest_centroids, which fails its checks: fix that first.
import numpy as np


def find_closest_centroids(X, centroids):
    return [int(np.argmin(((x - centroids) ** 2).sum(axis=1))) for x in X]
