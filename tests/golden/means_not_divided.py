# golden: sums, never divided by the counts
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=0 kmeans_init_centroids=full compress_image=14
# says: compress_image uses your compute_centroid_means, which fails its checks: fix that first.
# fails: compute_centroid_means: the six-point sample gives [[1.1667, 1.4667], [7.3333, 9.0]]
import numpy as np


def compute_centroid_means(X, idx, K):
    out = np.full((K, X.shape[1]), np.nan)
    for k in range(K):
        if np.any(idx == k):
            out[k] = X[idx == k].sum(axis=0)
    return out
