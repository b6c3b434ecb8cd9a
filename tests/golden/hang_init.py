# golden: kmeans_init_centroids never returns: it alone (and compress_image, which calls it) fails
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=0 compress_image=0
# status: timed out
# says: kmeans_init_centroids did not finish within 10 s of CPU time (an endless loop, or far too slow?)


def kmeans_init_centroids(X, K, rng=None):
    while True:
        pass
