# golden: with the grader's helpers standing in, compress_image floods them with call-backs (and
# golden: its own helpers give a wrong idx, so only the stand-in run could score): a verdict
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=0
# fails: compress_image: valid outputs: (H, W, 3) uint8, at most K colours, closer than the mean colour
import numpy as np


def find_closest_centroids(X, centroids):
    return np.zeros(len(X), dtype=np.int64) + 10 ** 6


def compress_image(image, K, max_iters=10, rng=None):
    pixels = image.reshape(-1, 3).astype(np.float64) / 255.0
    centroids = kmeans_init_centroids(pixels, K, rng)
    for _ in range(100_000):
        idx = find_closest_centroids(pixels, centroids)
    return (centroids[idx] * 255.0).round().clip(0, 255).astype(np.uint8).reshape(image.shape)
