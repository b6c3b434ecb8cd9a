# golden: find_closest_centroids crashes the interpreter with a segmentation fault
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# says: find_closest_centroids stopped the process it ran in (it died from SIGSEGV: a crash in native code)
import ctypes


def find_closest_centroids(X, centroids):
    return ctypes.string_at(0)
