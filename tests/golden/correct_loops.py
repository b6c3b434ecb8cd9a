# golden: the source notebook's style: plain loops everywhere
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
import numpy as np


def find_closest_centroids(X, centroids):
    K = centroids.shape[0]
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        distance = []
        for j in range(K):
            norm_ij = np.linalg.norm(X[i] - centroids[j])
            distance.append(norm_ij)
        idx[i] = np.argmin(distance)
    return idx


def compute_centroid_means(X, idx, K):
    m, n = X.shape
    centroids = np.zeros((K, n))
    for k in range(K):
        points = X[idx == k]
        if len(points) == 0:
            centroids[k] = np.nan
        else:
            centroids[k] = np.mean(points, axis=0)
    return centroids


def kmeans_init_centroids(X, K, rng=None):
    if K < 1 or K > X.shape[0]:
        raise ValueError("K out of range")
    rng = np.random.default_rng(rng)
    randidx = rng.permutation(X.shape[0])
    centroids = X[randidx[:K]]
    return centroids


def compress_image(image, K, max_iters=10, rng=None):
    original = image / 255
    X_img = np.reshape(original, (original.shape[0] * original.shape[1], 3))
    initial_centroids = kmeans_init_centroids(X_img, K, rng)
    centroids, idx = run_kmeans(X_img, initial_centroids, max_iters)
    X_recovered = centroids[idx, :]
    X_recovered = np.reshape(X_recovered, original.shape)
    return np.round(X_recovered * 255).astype(np.uint8)
