# golden: kmeans_init_centroids returns rows of infinity (once the grader crashed on them)
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=0 compress_image=<full
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("bad K")
    return np.full((K, np.asarray(X).shape[1]), np.inf)
