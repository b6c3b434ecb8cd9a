# golden: a sentinel "minimum" of 1e6 that real distances exceed at larger scales
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
# fails: find_closest_centroids: works on data with large values (distances around 1e8)
import numpy as np


def find_closest_centroids(X, centroids):
    d = ((X[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    min_dist = np.minimum(d.min(axis=1), 1e6)  # a loop starting from min_dist = 1e6
    found = d <= min_dist[:, None]
    return np.where(found.any(axis=1), found.argmax(axis=1), 0)
