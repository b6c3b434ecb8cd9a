# golden: every function raises ValueError, whatever it is given
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# score: 0/66
# fails: kmeans_init_centroids: K < 1 or K > m raises ValueError [K=13, m=12]
# fails: kmeans_init_centroids: K < 1 or K > m raises ValueError [K=11, m=10]
# fails: kmeans_init_centroids: the same seed gives the same centroids, other seeds others
# says: kmeans_init_centroids raised ValueError: not today
def find_closest_centroids(X, centroids):
    raise ValueError("not today")


def compute_centroid_means(X, idx, K):
    raise ValueError("not today")


def kmeans_init_centroids(X, K, rng=None):
    raise ValueError("not today")


def compress_image(image, K, max_iters=10, rng=None):
    raise ValueError("not today")
