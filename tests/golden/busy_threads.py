# golden: tries sixty busy children and threads as it loads (both refused), then spins in find_closest_centroids: it alone pays, and a neighbour's grade must not change
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=full
# status: timed out
# says: find_closest_centroids did not finish within
# says: a call may use 10 s of CPU time and 30 s of wall-clock time
import os
import threading

import numpy as np


def spin(*args):
    while True:
        pass


for _ in range(60):
    try:
        if os.fork() == 0:
            os.setsid()
            spin()
    except OSError:
        try:
            threading.Thread(target=spin, daemon=True).start()
        except RuntimeError:  # no thread either
            break

_nearest = find_closest_centroids  # the correct one, which compress_image keeps using
find_closest_centroids = spin


def compress_image(image, K, max_iters=10, rng=None):
    pixels = image.reshape(-1, 3).astype(float) / 255
    centroids = kmeans_init_centroids(pixels, K, rng)
    for _ in range(max_iters):
        idx = _nearest(pixels, centroids)
        means = compute_centroid_means(pixels, idx, K)
        centroids = np.where(np.isnan(means), centroids, means)
    idx = _nearest(pixels, centroids)
    return np.round(centroids[idx] * 255).astype(np.uint8).reshape(image.shape)
