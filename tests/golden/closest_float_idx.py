# golden: float indices (np.zeros(m) filled in a loop)
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# fails: find_closest_centroids: every example gets its nearest centroid (200 points, K = 5, n = 3)
# fails: find_closest_centroids: the six-point sample gives [0, 1, 0, 1, 0, 1]
# says: compress_image uses your find_closest_centroids, which fails its checks: fix that first.
import numpy as np


def find_closest_centroids(X, centroids):
    idx = np.zeros(X.shape[0])
    for i in range(X.shape[0]):
        idx[i] = np.argmin(np.linalg.norm(X[i] - centroids, axis=1))
    return idx
