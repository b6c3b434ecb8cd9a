# golden: modifies its inputs and patches the worker's harness to report them unchanged and no views (its checksums, the reply frame's "modified" and "views"), and tries to shrink the memory the inputs are shared in
# base: correct_broadcast.py
# expect: find_closest_centroids=<full compute_centroid_means=<full kmeans_init_centroids=<full
# fails: find_closest_centroids: X and centroids are not modified (50 points, K = 3)
# fails: compute_centroid_means: X and idx are not modified
# fails: kmeans_init_centroids: X is not modified (e.g. shuffled in place)
import os
import sys

import numpy as np

_honest_closest = find_closest_centroids  # noqa: F821 - the base's, defined above
_honest_means = compute_centroid_means  # noqa: F821

_harness = sys.modules.get("__main__")
if _harness is not None and hasattr(_harness, "digest"):
    _harness.digest = lambda array: b"always the same"
_protocol = sys.modules.get("protocol")
if _protocol is not None:
    _write_frame = _protocol.write_frame

    def _forged_write_frame(fd, header, arrays=None):
        if isinstance(header, dict) and "result" in header:
            header["modified"], header["views"] = [], []
        return _write_frame(fd, header, arrays)

    _protocol.write_frame = _forged_write_frame


def _shrink_every_file():
    for fd in range(3, 256):
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass


def find_closest_centroids(X, centroids):
    idx = _honest_closest(X, centroids)
    _shrink_every_file()
    X[0, 0] += 1.0
    centroids[0, 0] += 1.0
    return idx


def compute_centroid_means(X, idx, K):
    means = _honest_means(X, idx, K)
    idx[0] = (idx[0] + 1) % K
    return means


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("K must be between 1 and m")
    rows = np.random.default_rng(rng).choice(len(X), K, replace=False)
    X[:] = np.concatenate([X[rows], np.delete(X, rows, axis=0)])  # shuffled in place
    return X[:K]  # a view of it, which the forged "views" hides: that point is the worker's word
