# golden: leaves a daemon behind (a new session, double fork) that outlives grading if it can, then answers correctly
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
import os
import time

try:
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                time.sleep(1)
        os._exit(0)
except OSError:
    pass
