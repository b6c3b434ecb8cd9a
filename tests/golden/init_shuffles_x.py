# golden: shuffles X in place and takes the first K rows (compress_image, whose pixels it shuffles, scores 0)
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full compress_image=14
# fails: kmeans_init_centroids: X is not modified (e.g. shuffled in place)
# fails: kmeans_init_centroids: X is not modified (10 x 2, K = 4)
# says: kmeans_init_centroids changed its argument X
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("bad K")
    np.random.default_rng(rng).shuffle(X)
    return X[:K].copy()
