# golden: returns the (H, W) image of cluster labels instead of their colours
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=0
# fails: compress_image: a (5, 7, 3) uint8 image comes back as (5, 7, 3) uint8 in at most K colours, closer than its mean colour
# says: compress_image should return the compressed image with shape (5, 7, 3)
import numpy as np


def compress_image(image, K, max_iters=10, rng=None):
    pixels = image.reshape(-1, 3).astype(np.float64) / 255.0
    centroids, idx = run_kmeans(pixels, kmeans_init_centroids(pixels, K, rng), max_iters)
    return idx.reshape(image.shape[:2]).astype(np.uint8)
