# golden: correct, but back to uint8 by truncating (astype) rather than rounding, and on the
# 0-255 scale throughout: a choice the contract leaves open
# base: correct_loops.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
import numpy as np


def compress_image(image, K, max_iters=10, rng=None):
    pixels = image.reshape(-1, 3).astype(float)
    start = kmeans_init_centroids(pixels, K, rng)
    centroids, idx = run_kmeans(pixels, start, max_iters)
    return centroids[idx].astype(np.uint8).reshape(image.shape)
