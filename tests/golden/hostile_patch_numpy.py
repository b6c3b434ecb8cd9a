# golden: shuffles X in place and returns a view of it, after patching numpy and hashlib so that X looks unmodified and the view looks new
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=<full
# fails: kmeans_init_centroids: returns a new array, not a view of X
# fails: kmeans_init_centroids: X is not modified (e.g. shuffled in place)
import hashlib

import numpy as np

np.shares_memory = np.may_share_memory = lambda *args, **kwargs: False
np.array_equal = np.allclose = lambda *args, **kwargs: True
hashlib.blake2b = hashlib.sha256 = lambda *args, **kwargs: hashlib.md5(b"same")


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("bad K")
    np.random.default_rng(rng).shuffle(X)  # in place
    return X[:K]  # a view
