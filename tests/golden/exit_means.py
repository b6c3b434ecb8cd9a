# golden: compute_centroid_means calls sys.exit
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=0 kmeans_init_centroids=full compress_image=14
# says: compute_centroid_means called sys.exit() or exit()
import sys


def compute_centroid_means(X, idx, K):
    sys.exit("done")
