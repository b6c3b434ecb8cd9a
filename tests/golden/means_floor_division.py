# golden: floor division for the means (sums // counts): every mean on [0, 1] rounds down
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=<full kmeans_init_centroids=full compress_image=14
# says: compress_image uses your compute_centroid_means, which fails its checks: fix that first.
import numpy as np


def compute_centroid_means(X, idx, K):
    sums = np.array([X[idx == k].sum(axis=0) for k in range(K)], dtype=float)
    counts = np.array([np.sum(idx == k) for k in range(K)], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums // counts[:, None]
