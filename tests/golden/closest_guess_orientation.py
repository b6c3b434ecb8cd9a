# golden: guesses which way round the distance table is from its shape, so K = m goes wrong
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
# fails: find_closest_centroids: edge sizes (one example, one centroid, K = m, n = 1) [K=m]
import numpy as np


def find_closest_centroids(X, centroids):
    d = ((X[:, None, :] - centroids[None]) ** 2).sum(axis=2)  # (m, K)
    if d.shape[0] != len(centroids):  # "make it (K, m)": wrong when K == m
        d = d.T
    return np.argmin(d, axis=0)
