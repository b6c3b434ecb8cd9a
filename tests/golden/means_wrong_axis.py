# golden: the mean over the wrong axis
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=0 kmeans_init_centroids=full compress_image=14
# says: compress_image uses your compute_centroid_means, which fails its checks: fix that first.
import numpy as np


def compute_centroid_means(X, idx, K):
    return np.array([X[idx == k].mean(axis=1) for k in range(K)])
