# golden: find_closest_centroids writes its own reply frame, an .npy header claiming 10**13 elements
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# says: find_closest_centroids sent back something the grader could not accept: array 'r0' with shape (10000000000000,)
import io
import json
import os
import struct
import sys

import numpy as np


def find_closest_centroids(X, centroids):
    replies = sys.modules["__main__"].SETTINGS["fds"][1]
    blob = io.BytesIO()
    np.lib.format.write_array_header_1_0(blob, {"descr": "<i8", "fortran_order": False,
                                                "shape": (10**13,)})
    blob = blob.getvalue() + b"\0" * 80
    header = json.dumps({"ok": True, "result": {"kind": "ndarray", "type": "numpy.ndarray",
                                                "key": "r0"}, "arrays": {"r0": len(blob)}})
    os.write(replies, struct.pack("<Q", len(header)) + header.encode() + blob)
    os._exit(0)
