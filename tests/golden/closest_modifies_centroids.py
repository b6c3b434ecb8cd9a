# golden: subtracts from centroids in place, changing the caller's array
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=full kmeans_init_centroids=full
# fails: find_closest_centroids: X and centroids are not modified
# says: find_closest_centroids changed its argument centroids: the caller's ar
import numpy as np


def find_closest_centroids(X, centroids):
    shift = X.mean(axis=0)
    centroids -= shift
    return np.argmin((((X - shift)[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
