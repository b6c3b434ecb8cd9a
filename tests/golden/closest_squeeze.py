# golden: squeezes the distance table, which loses an axis when m = 1 or K = 1
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
# fails: find_closest_centroids: edge sizes (one example, one centroid, K = m, n = 1) [m=1]
# fails: find_closest_centroids: edge sizes (one example, one centroid, K = m, n = 1) [K=1]
import numpy as np


def find_closest_centroids(X, centroids):
    d = np.linalg.norm(X[:, None, :] - centroids[None], axis=2).squeeze()
    return np.argmin(d, axis=1)
