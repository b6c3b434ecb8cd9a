# golden: counts clusters with np.unique, so empty trailing clusters are lost
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=<full kmeans_init_centroids=full
# fails: compute_centroid_means: returns K rows even when the last clusters are empty
import numpy as np


def compute_centroid_means(X, idx, K):
    labels = np.unique(idx)
    return np.array([X[idx == k].mean(axis=0) for k in range(labels.max() + 1)], dtype=float)
