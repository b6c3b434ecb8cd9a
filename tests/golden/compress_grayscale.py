# golden: clusters the grey level (the mean of the channels): every colour becomes grey
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=<full
# fails: compress_image: distortion close to the reference's on hidden images
# says: compress_image failed this hidden check: the compressed image is no closer to the original
import numpy as np


def compress_image(image, K, max_iters=10, rng=None):
    grey = image.astype(np.float64).mean(axis=2).reshape(-1, 1) / 255.0
    centroids, idx = run_kmeans(grey, kmeans_init_centroids(grey, K, rng), max_iters)
    out = (centroids[idx] * 255.0).round().clip(0, 255).astype(np.uint8).reshape(image.shape[:2])
    return np.repeat(out[:, :, None], 3, axis=2)
