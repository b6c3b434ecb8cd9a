# golden: makes a file it can name setuid and world-writable, by path, by descriptor and relative to a folder (chmod, fchmod, fchmodat): each is refused
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# says: other system calls K-means does not need
import os

CANARY = "/tmp/kmeans-golden-canary"


def refused(attempts):
    """Raise the PermissionError of the last attempt if every one was refused with it."""
    last = None
    for name, attempt in attempts:
        try:
            attempt()
        except PermissionError as error:
            last = error
        except OSError as error:
            raise RuntimeError(f"{name} was not refused: {error}") from None
        else:
            raise RuntimeError(f"{name} went through")
    raise last


def find_closest_centroids(X, centroids):
    own = os.open(__file__, os.O_RDONLY)
    folder = os.open(os.path.dirname(CANARY), os.O_PATH)
    refused([("chmod", lambda: os.chmod(CANARY, 0o6777)),
             ("fchmod", lambda: os.fchmod(own, 0o6777)),
             ("fchmodat", lambda: os.chmod(os.path.basename(CANARY), 0o6777, dir_fd=folder))])
