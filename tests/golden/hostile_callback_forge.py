# golden: with the grader's helpers standing in, compress_image writes forged call-back frames
# golden: straight to the worker's pipe: a name not offered, malformed arguments, a huge array,
# golden: arguments the reference refuses; its own helpers are wrong, so only that run could score
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=0
# fails: compress_image: valid outputs: (H, W, 3) uint8, at most K colours, closer than the mean colour
import json
import os
import struct
import sys

import numpy as np


def find_closest_centroids(X, centroids):
    return np.full(len(X), -1)


def _frame(fd, header, blobs=b""):
    body = json.dumps(header).encode()
    os.write(fd, struct.pack("<Q", len(body)) + body + blobs)


def compress_image(image, K, max_iters=10, rng=None):
    worker = sys.modules.get("__main__")
    channel = getattr(worker, "CHANNEL", None)
    pixels = image.reshape(-1, 3).astype(np.float64) / 255.0
    if channel and rng in (11, 22, 33):
        replies = channel[1]
        forged = {11: {"callback": "open", "args": [], "kwargs": {}, "arrays": {}},
                  22: {"callback": "find_closest_centroids", "args": [{"kind": "ndarray",
                       "key": "nope"}], "kwargs": {}, "arrays": {}},
                  33: {"callback": "kmeans_init_centroids", "args": [{"kind": "json",
                       "value": [1, 2]}, {"kind": "generator", "state": {"x": 1}}],
                       "kwargs": {}, "arrays": {}}}
        if K == 8:  # the arguments decode, but the grader's helper refuses them: then go on
            try:
                find_closest_centroids(pixels, np.zeros((4, 7)))
            except ValueError:
                pass
            _frame(replies, {"callback": "find_closest_centroids", "args": [], "kwargs": {},
                             "arrays": {"a": -5}})
        _frame(replies, forged[rng])
    centroids = kmeans_init_centroids(pixels, K, rng)
    idx = find_closest_centroids(pixels, centroids)
    return (centroids[idx] * 255.0).round().clip(0, 255).astype(np.uint8).reshape(image.shape)
