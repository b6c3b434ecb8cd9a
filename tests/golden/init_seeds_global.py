# golden: seeds numpy's global generator with np.random.seed(rng), which takes no Generator
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full compress_image=full
# fails: kmeans_init_centroids: rng may be a numpy.random.Generator
# fails: kmeans_init_centroids: the same seed gives the same centroids, other seeds others
# says: np.random.seed(rng) and np.random.RandomState(rng) take only an int or None
# says: (kmeans.py line
import numpy as np


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("bad K")
    np.random.seed(rng)
    return X[np.random.choice(len(X), K, replace=False)]
