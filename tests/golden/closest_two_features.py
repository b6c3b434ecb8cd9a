# golden: the distance written out for two features, as in the 2-D example (the capstone,
# on colours, still lands inside its distortion curve)
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
# fails: find_closest_centroids: many centroids in many dimensions (1000 points, K = 40, n = 8)
# fails: find_closest_centroids: every example gets its nearest centroid (200 points, K = 5, n = 3)
import numpy as np


def find_closest_centroids(X, centroids):
    idx = np.zeros(len(X), dtype=int)
    for i in range(len(X)):
        d = (X[i, 0] - centroids[:, 0]) ** 2 + (X[i, 1] - centroids[:, 1]) ** 2
        idx[i] = np.argmin(d)
    return idx
