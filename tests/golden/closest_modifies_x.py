# golden: centres X in place, changing the caller's array
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=full kmeans_init_centroids=full
# fails: find_closest_centroids: X and centroids are not modified
# fails: find_closest_centroids: X and centroids are not modified (50 points, K = 3)
import numpy as np


def find_closest_centroids(X, centroids):
    shift = X.mean(axis=0)
    X -= shift
    return np.argmin(((X[:, None, :] - (centroids - shift)[None]) ** 2).sum(axis=2), axis=1)
