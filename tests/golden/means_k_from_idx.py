# golden: takes K from idx.max() + 1, ignoring K: trailing empty clusters vanish
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=<full kmeans_init_centroids=full
# fails: compute_centroid_means: a cluster with no points gets a row of NaN
# says: compute_centroid_means should return the centroid means with shape (2,
import numpy as np


def compute_centroid_means(X, idx, K):
    K = int(idx.max()) + 1
    return np.array([X[idx == k].mean(axis=0) if np.any(idx == k)
                     else np.full(X.shape[1], np.nan) for k in range(K)])
