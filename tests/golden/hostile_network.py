# golden: answers only if it can reach the grader's loopback (port 48123, opened by the test)
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
import socket

_correct = find_closest_centroids


def find_closest_centroids(X, centroids):
    with socket.create_connection(("127.0.0.1", 48123), timeout=2):
        return _correct(X, centroids)
