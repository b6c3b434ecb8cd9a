# golden: kmeans_init_centroids never returns: it alone (and compress_image, which calls it) fails
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=0 compress_image=0
# status: timed out
# says: kmeans_init_centroids did not finish within
# says: a call may use 10 s of CPU time and 30 s of wall-clock time


def kmeans_init_centroids(X, K, rng=None):
    while True:
        pass
