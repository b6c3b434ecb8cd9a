# golden: flattens channel-first, so pixels and channels are scrambled
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=0
# fails: compress_image: distortion close to the reference's on hidden images
import numpy as np


def compress_image(image, K, max_iters=10, rng=None):
    pixels = image.transpose(2, 0, 1).reshape(-1, 3) / 255.0
    centroids, idx = run_kmeans(pixels, kmeans_init_centroids(pixels, K, rng), max_iters)
    return np.round(centroids[idx] * 255).astype(np.uint8).reshape(image.shape)
