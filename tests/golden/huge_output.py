# golden: compute_centroid_means prints 100 MB before answering correctly: printing is free
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
# says: output truncated
import numpy as np

_correct = compute_centroid_means


def compute_centroid_means(X, idx, K):
    line = "x" * 1_000_000
    for _ in range(100):
        print(line)
    return _correct(X, idx, K)
