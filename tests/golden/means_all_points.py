# golden: every centroid becomes the mean of all points
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=<full kmeans_init_centroids=full compress_image=14
# says: compress_image uses your compute_centroid_means, which fails its checks: fix that first.
# fails: compute_centroid_means: each row is the mean of its cluster (300 points, K = 5, n = 2)
import numpy as np


def compute_centroid_means(X, idx, K):
    return np.tile(X.mean(axis=0), (K, 1))
