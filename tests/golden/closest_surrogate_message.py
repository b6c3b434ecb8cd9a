# golden: find_closest_centroids raises an error whose message is a lone surrogate, which no terminal or file encoding accepts
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# says: find_closest_centroids raised ValueError: \ud800


def find_closest_centroids(X, centroids):
    raise ValueError("\ud800")
