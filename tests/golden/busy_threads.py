# golden: starts sixty busy children (threads, when processes are refused) as it loads, then answers correctly: its calls are billed for the threads' CPU time, and its neighbours' grades must not change
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
import os
import threading


def spin():
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
        except RuntimeError:  # no more threads allowed
            break
