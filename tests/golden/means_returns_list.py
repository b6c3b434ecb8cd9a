# golden: returns a Python list of rows instead of an array
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=0 kmeans_init_centroids=full
# fails: compute_centroid_means: the six-point sample gives [[1.1667, 1.4667], [7.3333, 9.0]]
# says: compute_centroid_means should return the centroid means as a numpy.nda
import numpy as np


def compute_centroid_means(X, idx, K):
    return [X[idx == k].mean(axis=0) if np.any(idx == k) else np.full(X.shape[1], np.nan)
            for k in range(K)]
