# golden: find_closest_centroids writes its own reply frame, whose array sizes add up to a small total through a negative one
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# says: find_closest_centroids sent back something the grader could not accept: array 'b' with size -1073741824
import json
import os
import struct
import sys


def find_closest_centroids(X, centroids):
    replies = sys.modules["__main__"].SETTINGS["fds"][1]
    header = json.dumps({"ok": True, "result": {"kind": "ndarray", "type": "numpy.ndarray",
                                                "key": "a"},
                         "arrays": {"a": 1 << 30, "b": -(1 << 30)}}).encode()
    os.write(replies, struct.pack("<Q", len(header)) + header + b"\0" * 4096)
    os._exit(0)
