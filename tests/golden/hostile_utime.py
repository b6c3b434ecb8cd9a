# golden: back-dates a file it can name, by path, by descriptor, without following links (utimensat) and through the older calls (utime, utimes, futimesat on x86_64): each is refused
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# says: other system calls K-means does not need
import ctypes
import os
import platform

CANARY = "/tmp/kmeans-golden-canary"
libc = ctypes.CDLL(None, use_errno=True)


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


def raw(number, *args):
    """A system call by number, raising OSError as os does."""
    def attempt():
        if libc.syscall(ctypes.c_long(number), *args) == -1:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))
    return attempt


def find_closest_centroids(X, centroids):
    own = os.open(__file__, os.O_RDONLY)
    path = CANARY.encode()
    attempts = [("utimensat", lambda: os.utime(CANARY, (0, 0))),
                ("futimens", lambda: os.utime(own, (0, 0))),
                ("utimensat, not following links",
                 lambda: os.utime(CANARY, (0, 0), follow_symlinks=False))]
    if platform.machine() == "x86_64":  # calls of which the generic table has no number
        times = (ctypes.c_long * 4)()  # 1970, for utimes' timevals and utime's utimbuf alike
        attempts += [("utime", raw(132, path, times)), ("utimes", raw(235, path, times)),
                     ("futimesat", raw(261, -100, path, times))]  # AT_FDCWD
    refused(attempts)
