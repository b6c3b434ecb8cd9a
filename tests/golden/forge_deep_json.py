# golden: compute_centroid_means writes its own reply frame, a JSON header nested 100000 deep
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=0 kmeans_init_centroids=full compress_image=14
# says: compute_centroid_means sent back something the grader could not accept: a header that is not valid JSON (RecursionError)
import os
import struct
import sys


def compute_centroid_means(X, idx, K):
    replies = sys.modules["__main__"].SETTINGS["fds"][1]
    header = b"[" * 100_000 + b"]" * 100_000
    os.write(replies, struct.pack("<Q", len(header)) + header)
    os._exit(0)
