# golden: a correct solution whose find_closest_centroids uses scipy's cdist, imported at the top
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# status: unreadable
# says: ModuleNotFoundError: No module named 'scipy'
# says: Only numpy, matplotlib, pillow (imported as PIL) and the standard library are available to submissions
from scipy.spatial.distance import cdist


def find_closest_centroids(X, centroids):
    return np.argmin(cdist(X, centroids, "sqeuclidean"), axis=1)
