# golden: writes the compressed colours into the caller's image and returns it
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=16
# fails: compress_image: the image is not modified
# fails: compress_image: the image is not modified (a (5, 7, 3) image)
# says: compress_image changed its argument image
import numpy as np


def compress_image(image, K, max_iters=10, rng=None):
    h, w, _ = image.shape
    pixels = image.reshape(-1, 3).astype(np.float64) / 255.0
    centroids, idx = run_kmeans(pixels, kmeans_init_centroids(pixels, K, rng), max_iters)
    image[...] = (centroids[idx] * 255.0).round().clip(0, 255).astype(np.uint8).reshape(h, w, 3)
    return image
