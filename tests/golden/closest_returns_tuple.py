# golden: returns (idx, distances) instead of idx alone
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full
# fails: find_closest_centroids: the six-point sample gives [0, 1, 0, 1, 0, 1]
# says: find_closest_centroids should return the index array idx as a numpy.nd
import numpy as np


def find_closest_centroids(X, centroids):
    d = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(d, axis=1), d.min(axis=1)
