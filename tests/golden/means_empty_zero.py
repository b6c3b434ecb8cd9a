# golden: an empty cluster gets zeros instead of NaN
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=<full kmeans_init_centroids=full
# fails: compute_centroid_means: a cluster with no points gets a row of NaN
# fails: compute_centroid_means: an empty cluster between others gets a row of NaN (K = 4, n = 3)
import numpy as np


def compute_centroid_means(X, idx, K):
    out = np.zeros((K, X.shape[1]))
    for k in range(K):
        if np.any(idx == k):
            out[k] = X[idx == k].mean(axis=0)
    return out
