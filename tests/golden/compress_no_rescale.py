# golden: forgets to scale back to 0-255 (every pixel becomes 0 or 1)
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=0
# fails: compress_image: distortion close to the reference's on hidden images
# fails: compress_image: the bundled photo at K = 8 is closer to the original than its mean colour
import numpy as np


def compress_image(image, K, max_iters=10, rng=None):
    pixels = image.reshape(-1, 3) / 255.0
    centroids, idx = run_kmeans(pixels, kmeans_init_centroids(pixels, K, rng), max_iters)
    return centroids[idx].astype(np.uint8).reshape(image.shape)
