# golden: returns the (n, K) transpose
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=<full kmeans_init_centroids=full
# fails: compute_centroid_means: works when n differs from K (K = 3, n = 7)
import numpy as np


def compute_centroid_means(X, idx, K):
    cols = [X[idx == k].mean(axis=0) if np.any(idx == k) else np.full(X.shape[1], np.nan)
            for k in range(K)]
    return np.array(cols).T
