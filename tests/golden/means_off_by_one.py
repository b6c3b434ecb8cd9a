# golden: off-by-one cluster labels (clusters 1..K instead of 0..K-1)
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=0 kmeans_init_centroids=full compress_image=14
# says: compress_image uses your compute_centroid_means, which fails its checks: fix that first.
# fails: compute_centroid_means: each row is the mean of its cluster (300 points, K = 5, n = 2)
import numpy as np


def compute_centroid_means(X, idx, K):
    out = np.full((K, X.shape[1]), np.nan)
    for k in range(1, K + 1):
        if np.any(idx == k):
            out[k - 1] = X[idx == k].mean(axis=0)
    return out
