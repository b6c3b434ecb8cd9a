# golden: divides each cluster's sum by its count plus one (to avoid dividing by zero)
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=0 kmeans_init_centroids=full
# fails: compute_centroid_means: the six-point sample gives [[1.1667, 1.4667], [7.3333, 9.0]]
# says: compute_centroid_means: the means for the six-point sample with idx =
import numpy as np


def compute_centroid_means(X, idx, K):
    out = np.full((K, X.shape[1]), np.nan)
    for k in range(K):
        count = np.sum(idx == k)
        if count:
            out[k] = X[idx == k].sum(axis=0) / (count + 1)
    return out
