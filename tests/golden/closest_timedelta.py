# golden: returns idx as an array of time differences (timedelta64), which passes for an integer subtype in numpy's own dtype tree
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# says: compress_image uses your find_closest_centroids, which fails its checks: fix that first.
# says: find_closest_centroids should return the index array idx as a numpy.ndarray, but it returned a numpy array of dtype timedelta64[ns]
import numpy as np

_correct = find_closest_centroids


def find_closest_centroids(X, centroids):
    return _correct(X, centroids).astype("m8[ns]")
