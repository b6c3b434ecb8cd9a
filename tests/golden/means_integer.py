# golden: keeps the means in an integer array, so 1.5 becomes 1
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=0 kmeans_init_centroids=full
# fails: compute_centroid_means: means of whole numbers are exact floats, not rounded
import numpy as np


def compute_centroid_means(X, idx, K):
    out = np.zeros((K, X.shape[1]), dtype=int)
    for k in range(K):
        if np.any(idx == k):
            out[k] = X[idx == k].mean(axis=0)
    return out.astype(float)
