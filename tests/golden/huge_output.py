# golden: compute_centroid_means prints far too much (past the file size limit)
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=0 kmeans_init_centroids=full compress_image=0
# says: compute_centroid_means raised OSError: [Errno 27] File too large (kmeans.py line
# says: a submission may write at most 16 MiB, what it prints included


def compute_centroid_means(X, idx, K):
    line = "x" * 1_000_000
    for _ in range(100):
        print(line)
