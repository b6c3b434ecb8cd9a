# golden: kmeans_init_centroids writes its own reply frames with fields of the wrong types
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=0 compress_image=14
# says: kmeans_init_centroids sent back something the grader could not accept: field 'error' of type str
import json
import os
import struct
import sys


def kmeans_init_centroids(X, K, rng=None):
    replies = sys.modules["__main__"].SETTINGS["fds"][1]
    header = json.dumps({"ok": False, "error": "str", "arrays": {}}).encode()
    os.write(replies, struct.pack("<Q", len(header)) + header)
    os._exit(0)
