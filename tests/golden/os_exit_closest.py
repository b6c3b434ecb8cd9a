# golden: find_closest_centroids calls os._exit, killing its process
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# says: find_closest_centroids stopped the process it ran in (it exited with status 0: does kmeans.py call os._exit()?)
import os


def find_closest_centroids(X, centroids):
    os._exit(0)
