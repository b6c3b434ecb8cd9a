# golden: sorts idx in place
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=<full kmeans_init_centroids=full
# fails: compute_centroid_means: X and idx are not modified
import numpy as np


def compute_centroid_means(X, idx, K):
    order = np.argsort(idx, kind="stable")
    X_sorted = X[order]
    idx.sort(kind="stable")
    return np.array([X_sorted[idx == k].mean(axis=0) if np.any(idx == k)
                     else np.full(X.shape[1], np.nan) for k in range(K)], dtype=float)
