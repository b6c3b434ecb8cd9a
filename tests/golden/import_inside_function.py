# golden: imports scipy inside find_closest_centroids: it alone, and compress_image through it, fail
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# fails: find_closest_centroids: the six-point sample gives [0, 1, 0, 1, 0, 1]
# says: find_closest_centroids raised ModuleNotFoundError: No module named 'scipy' (kmeans.py line
# says: Only numpy, matplotlib, pillow (imported as PIL) and the standard library are available to submissions


def find_closest_centroids(X, centroids):
    from scipy.spatial.distance import cdist

    return np.argmin(cdist(X, centroids, "sqeuclidean"), axis=1)
