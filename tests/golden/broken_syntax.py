# golden: a syntax error: nothing can be graded
# standalone
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# status: unreadable
# says: kmeans.py could not be loaded (line 9: SyntaxError: expected
import numpy as np


def find_closest_centroids(X, centroids)
    return np.zeros(len(X), dtype=int)
