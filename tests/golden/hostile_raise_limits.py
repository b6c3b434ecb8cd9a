# golden: raises its own memory and CPU limits as it loads, then kmeans_init_centroids takes 5 GB: the limits hold
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=0 compress_image=14
import resource

import numpy as np

for limit in (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_NPROC):
    try:
        resource.setrlimit(limit, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        pass


def kmeans_init_centroids(X, K, rng=None):
    block = np.ones(5 * 10**9 // 8)  # touched: 5 GB
    return block[:K].reshape(-1, 1)
