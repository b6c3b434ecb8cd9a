# golden: tries sixty busy children and threads as it loads (both refused), then spins in find_closest_centroids: it alone pays, and a neighbour's grade must not change
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=0
# status: timed out
# says: find_closest_centroids did not finish within 10 s of CPU time
import os
import threading


def spin(*args):
    while True:
        pass


for _ in range(60):
    try:
        if os.fork() == 0:
            os.setsid()
            spin()
    except OSError:
        try:
            threading.Thread(target=spin, daemon=True).start()
        except RuntimeError:  # no thread either
            break

find_closest_centroids = spin
