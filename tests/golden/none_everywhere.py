# golden: every function returns None (the body forgot its `return`)
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# score: 0/66
# fails: find_closest_centroids: X and centroids are not modified (50 points, K = 3)
# fails: kmeans_init_centroids: X is not modified (e.g. shuffled in place)
# says: find_closest_centroids returned None: the index array idx should be returned with `return`.
def find_closest_centroids(X, centroids):
    X.shape  # looks at its input, returns nothing


def compute_centroid_means(X, idx, K):
    K + 1


def kmeans_init_centroids(X, K, rng=None):
    if not 1 <= K <= len(X):
        raise ValueError("K must be between 1 and m")


def compress_image(image, K, max_iters=10, rng=None):
    image.shape
