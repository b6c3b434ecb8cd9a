# golden: reshapes back to (W, H, 3), wrong for non-square images
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=<full
# fails: compress_image: valid outputs: (H, W, 3) uint8, at most K colours, closer than the mean colour
import numpy as np


def compress_image(image, K, max_iters=10, rng=None):
    h, w, _ = image.shape
    pixels = image.reshape(-1, 3) / 255.0
    centroids, idx = run_kmeans(pixels, kmeans_init_centroids(pixels, K, rng), max_iters)
    return np.round(centroids[idx] * 255).astype(np.uint8).reshape(w, h, 3)
