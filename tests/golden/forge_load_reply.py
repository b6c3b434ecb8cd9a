# golden: as it loads, writes its own "loaded" reply, holding an array of shape (0, 2**62) (no elements, so under every size cap), then exits
# standalone
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# status: unreadable
# says: kmeans.py sent back something the grader could not accept while loading: array 'r0' with shape (0, 4611686018427387904)
import io
import json
import os
import struct
import sys

import numpy as np

replies = sys.modules["__main__"].SETTINGS["fds"][1]
blob = io.BytesIO()
np.lib.format.write_array_header_1_0(blob, {"descr": "<f8", "fortran_order": False,
                                            "shape": (0, 2**62)})
header = json.dumps({"ok": True, "functions": ["find_closest_centroids"],
                     "arrays": {"r0": len(blob.getvalue())}}).encode()
os.write(replies, struct.pack("<Q", len(header)) + header + blob.getvalue())
os._exit(0)
