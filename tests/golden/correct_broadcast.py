# golden: broadcasting, boolean masks and rng.choice
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
import numpy as np


def find_closest_centroids(X, centroids):
    diff = X[:, np.newaxis, :] - centroids[np.newaxis, :, :]
    return np.argmin(np.sum(diff ** 2, axis=2), axis=1)


def compute_centroid_means(X, idx, K):
    return np.array([X[idx == k].mean(axis=0) if np.any(idx == k)
                     else np.full(X.shape[1], np.nan) for k in range(K)], dtype=float)


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError(f"K must be in [1, {len(X)}]")
    chosen = np.random.default_rng(rng).choice(len(X), size=K, replace=False)
    return X[chosen].copy()


def compress_image(image, K, max_iters=10, rng=None):
    h, w, _ = image.shape
    pixels = image.reshape(-1, 3).astype(np.float64) / 255.0
    centroids, idx = run_kmeans(pixels, kmeans_init_centroids(pixels, K, rng), max_iters)
    out = (centroids[idx] * 255.0).round().clip(0, 255).astype(np.uint8)
    return out.reshape(h, w, 3)
