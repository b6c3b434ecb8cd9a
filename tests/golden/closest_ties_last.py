# golden: a loop with <= sends ties to the last index
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
# fails: find_closest_centroids: exact ties go to the lowest index
# fails: find_closest_centroids: a point equally far from two centroids goes to the lower index
import numpy as np


def find_closest_centroids(X, centroids):
    d = ((X[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    K = len(centroids)
    return K - 1 - np.argmin(d[:, ::-1], axis=1)  # the same as a loop with `<=`
