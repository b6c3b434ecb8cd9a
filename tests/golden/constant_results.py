# golden: every function returns a constant of the right type and shape, whatever its input
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# score: 2/66 (all zeros is the right idx for the public tie and for K = 1)
# fails: find_closest_centroids: X and centroids are not modified
# fails: compute_centroid_means: X and idx are not modified
# fails: kmeans_init_centroids: returns a new array, not a view of X
# fails: kmeans_init_centroids: K < 1 or K > m raises ValueError [K=0, m=12]
# fails: compress_image: valid outputs: (H, W, 3) uint8, at most K colours, closer than the mean colour
# says: gives its points only when the same call also returns the right result
import numpy as np


def find_closest_centroids(X, centroids):
    return np.zeros(len(X), dtype=int)


def compute_centroid_means(X, idx, K):
    return np.zeros((K, X.shape[1]))


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("K must be between 1 and m")
    return np.zeros((K, X.shape[1]))


def compress_image(image, K, max_iters=10, rng=None):
    return np.zeros_like(image)
