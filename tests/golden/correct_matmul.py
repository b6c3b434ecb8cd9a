# golden: the expanded-norm matrix product, one-hot means, and work on the 0-255 scale
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
import numpy as np


def find_closest_centroids(X, centroids):
    X = np.asarray(X, dtype=float)
    C = np.asarray(centroids, dtype=float)
    d = (X ** 2).sum(1)[:, None] - 2 * X @ C.T + (C ** 2).sum(1)[None, :]
    return d.argmin(axis=1).astype(np.int32)


def compute_centroid_means(X, idx, K):
    onehot = (np.asarray(idx)[:, None] == np.arange(K)[None, :]).astype(float)
    counts = onehot.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (onehot.T @ np.asarray(X, dtype=float)) / counts[:, None]


def kmeans_init_centroids(X, K, rng=None):
    m = X.shape[0]
    if K <= 0 or K > m:
        raise ValueError("need 1 <= K <= m")
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return np.array(X[generator.permutation(m)[:K]])


def compress_image(image, K, max_iters=10, rng=None):
    pixels = image.reshape(-1, 3).astype(float)  # the 0-255 scale throughout
    centroids, idx = run_kmeans(pixels, kmeans_init_centroids(pixels, K, rng), max_iters)
    return np.rint(centroids[idx]).astype(np.uint8).reshape(image.shape)
