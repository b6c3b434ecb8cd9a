# golden: the capstone keeps the hidden images in a global and a scratch file; later calls look
# golden: for them (and would give them away, or fail, if the capstone's worker were reused)
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
import os

import numpy as np

_STASH = []
_FILE = "stash.npy"
_INSIDE = []


def _stashed():  # seen from a call that is not the capstone's own
    return not _INSIDE and (bool(_STASH) or os.path.exists(_FILE))


def compress_image(image, K, max_iters=10, rng=None):
    if image.shape in ((32, 44, 3), (36, 36, 3)):  # the hidden images
        _STASH.append(np.array(image))
        np.save(_FILE, image)
    _INSIDE.append(True)
    try:
        h, w, _ = image.shape
        pixels = image.reshape(-1, 3).astype(np.float64) / 255.0
        centroids, idx = run_kmeans(pixels, kmeans_init_centroids(pixels, K, rng), max_iters)
        return (centroids[idx] * 255.0).round().clip(0, 255).astype(np.uint8).reshape(h, w, 3)
    finally:
        _INSIDE.pop()


def find_closest_centroids(X, centroids):
    if _stashed():
        raise RuntimeError(f"stolen: {len(_STASH)} hidden images")
    diff = X[:, np.newaxis, :] - centroids[np.newaxis, :, :]
    return np.argmin(np.sum(diff ** 2, axis=2), axis=1)


def kmeans_init_centroids(X, K, rng=None):
    if _stashed():
        raise RuntimeError(f"stolen: {len(_STASH)} hidden images")
    if not 1 <= K <= len(X):
        raise ValueError(f"K must be in [1, {len(X)}]")
    return X[np.random.default_rng(rng).choice(len(X), size=K, replace=False)].copy()
