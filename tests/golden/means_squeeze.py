# golden: squeezes the means, so K = 1 gives shape (n,) instead of (1, n)
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=<full kmeans_init_centroids=full compress_image=full
# fails: compute_centroid_means: K = 1 gives the mean of all points
import numpy as np


def compute_centroid_means(X, idx, K):
    with np.errstate(invalid="ignore"):
        means = [X[idx == k].sum(axis=0) / np.sum(idx == k) for k in range(K)]
    return np.squeeze(np.array(means))
