# golden: answers correctly, but first writes files everywhere it can: /tmp, /var/tmp, /dev/shm, home, the project
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
# never: /tmp/kmeans-golden-writes
# never: /var/tmp/kmeans-golden-writes
# never: /dev/shm/kmeans-golden-writes
# never: ~/kmeans-golden-writes
# never: PROJECT/kmeans-golden-writes
import os

for folder in ("/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~"), "/root",
               "@PROJECT@"):
    try:
        with open(os.path.join(folder, "kmeans-golden-writes"), "wb") as handle:
            handle.write(b"x" * (1 << 20))
    except OSError:
        pass
