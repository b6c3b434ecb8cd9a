# golden: sets, removes, reads and lists extended attributes of a file it can name, by path, without following links and by descriptor: each is refused
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
    name = "user.kmeans-golden"
    refused([("setxattr", lambda: os.setxattr(CANARY, name, b"x")),
             ("lsetxattr", lambda: os.setxattr(CANARY, name, b"x", follow_symlinks=False)),
             ("fsetxattr", lambda: os.setxattr(own, name, b"x")),
             ("removexattr", lambda: os.removexattr(CANARY, name)),
             ("lremovexattr", lambda: os.removexattr(CANARY, name, follow_symlinks=False)),
             ("fremovexattr", lambda: os.removexattr(own, name)),
             ("getxattr", lambda: os.getxattr(CANARY, name)),
             ("fgetxattr", lambda: os.getxattr(own, name)),
             ("listxattr", lambda: os.listxattr(CANARY)),
             ("flistxattr", lambda: os.listxattr(own))])
