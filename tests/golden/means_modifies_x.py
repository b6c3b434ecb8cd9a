# golden: sorts X in place by cluster to average it, changing the caller's array
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=<full kmeans_init_centroids=full
# fails: compute_centroid_means: X and idx are not modified
# says: compute_centroid_means failed this hidden check: it changed one of its array arguments
import numpy as np


def compute_centroid_means(X, idx, K):
    out = np.full((K, X.shape[1]), np.nan)
    for k in range(K):
        if np.any(idx == k):
            out[k] = X[idx == k].mean(axis=0)
    X.sort(axis=0)
    return out
