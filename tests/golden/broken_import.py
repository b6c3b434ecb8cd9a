# golden: imports a module the grader does not have (a helper left on the student's laptop)
# standalone
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# status: unreadable
# says: No module named 'my_kmeans_helpers'
# says: put any helper code in kmeans.py itself
import numpy as np
from my_kmeans_helpers import nearest


def find_closest_centroids(X, centroids):
    return nearest(X, centroids)
