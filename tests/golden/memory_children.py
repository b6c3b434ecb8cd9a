# golden: forks eight children (or, refused, starts threads) that each take 1.5 GiB, then answers correctly
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
import os
import time

import numpy as np

for _ in range(8):
    try:
        if os.fork() == 0:
            block = np.ones(3 << 27)  # 1.5 GiB, touched
            time.sleep(600)
            os._exit(0)
    except OSError:  # no process: then threads
        try:
            import threading
            threading.Thread(target=lambda: (np.ones(3 << 27), time.sleep(600)),
                             daemon=True).start()
        except RuntimeError:
            break
