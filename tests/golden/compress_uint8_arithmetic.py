# golden: computes the palette in uint8 arithmetic, which wraps around
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=<full
# fails: compress_image: distortion close to the reference's on hidden images
import numpy as np


def compress_image(image, K, max_iters=10, rng=None):
    pixels = image.reshape(-1, 3)
    centroids, idx = run_kmeans(pixels / 255.0, kmeans_init_centroids(pixels, K, rng) / 255.0,
                                max_iters)
    palette = (centroids * 255).astype(np.uint8)
    brighter = palette + np.uint8(40)  # "a little brighter": wraps past 255
    return brighter[idx].reshape(image.shape)
