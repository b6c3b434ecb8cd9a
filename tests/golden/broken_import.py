# golden: imports a package the grader does not have
# standalone
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# status: unreadable
import numpy as np
from sklearn.cluster import KMeans


def find_closest_centroids(X, centroids):
    return KMeans(len(centroids), init=centroids, n_init=1, max_iter=1).fit(X).labels_
