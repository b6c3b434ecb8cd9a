# golden: picks the initial centroids from the 0-255 pixels but runs K-means on [0, 1] pixels
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=0
# fails: compress_image: distortion close to the reference's on hidden images
# says: Check the scaling to [0, 1] and back (the initial centroids' too)
import numpy as np


def compress_image(image, K, max_iters=10, rng=None):
    raw = image.reshape(-1, 3)
    initial = kmeans_init_centroids(raw, K, rng)  # 0-255 ...
    pixels = raw / 255.0  # ... while the pixels are on [0, 1]
    centroids, idx = run_kmeans(pixels, initial, max_iters)
    return np.round(centroids[idx] * 255).clip(0, 255).astype(np.uint8).reshape(image.shape)
