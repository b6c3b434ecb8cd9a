# golden: a correct solution whose compress_image uses scikit-learn, imported at the top
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# status: unreadable
# says: ModuleNotFoundError: No module named 'sklearn'
# says: Only numpy, matplotlib, pillow (imported as PIL) and the standard library are available to submissions
from sklearn.cluster import KMeans


def compress_image(image, K, max_iters=10, rng=None):
    pixels = image.reshape(-1, 3) / 255.0
    start = kmeans_init_centroids(pixels, K, rng)
    model = KMeans(K, init=start, n_init=1, max_iter=max_iters).fit(pixels)
    out = model.cluster_centers_[model.labels_] * 255.0
    return out.round().clip(0, 255).astype(np.uint8).reshape(image.shape)
