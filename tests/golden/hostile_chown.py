# golden: gives a file it can name to its own uid and group again (which clears setuid bits), by path, by descriptor, without following links and relative to a folder (chown, fchown, lchown, fchownat): each is refused
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
    uid, gid = os.getuid(), os.getgid()
    refused([("chown", lambda: os.chown(CANARY, uid, gid)),
             ("fchown", lambda: os.fchown(own, uid, gid)),
             ("lchown", lambda: os.lchown(CANARY, uid, gid)),
             ("fchownat", lambda: os.chown(os.path.basename(CANARY), uid, gid, dir_fd=folder))])
