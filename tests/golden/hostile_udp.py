# golden: answers only if a UDP datagram to the grader's loopback gets an answer (port 48124, opened by the test)
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
import socket

_correct = find_closest_centroids


def find_closest_centroids(X, centroids):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(2)
        udp.sendto(b"ping", ("127.0.0.1", 48124))
        udp.recvfrom(16)
    return _correct(X, centroids)
