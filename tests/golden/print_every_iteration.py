# golden: the source notebook's loops, with a debug print in every iteration: printing is free
# base: correct_loops.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
import numpy as np


def find_closest_centroids(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        distances = []
        for j in range(centroids.shape[0]):
            distances.append(np.sum((X[i] - centroids[j]) ** 2))
        idx[i] = np.argmin(distances)
        print("example", i, "goes to centroid", idx[i])
    return idx
