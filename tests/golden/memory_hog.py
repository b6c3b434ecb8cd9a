# golden: kmeans_init_centroids asks for 80 GB
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=0 compress_image=14
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    return np.ones(10**10)[:K]
