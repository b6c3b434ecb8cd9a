# golden: answers correctly only if every channel out of its process is closed: limits of the grader, its own parent-death signal, shared memory, UNIX sockets, inotify
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
import ctypes
import os
import resource
import socket

OPENED = []
libc = ctypes.CDLL(None, use_errno=True)


def attempt(name, action):
    try:
        if action() not in (-1, None):
            OPENED.append(name)
    except OSError:
        pass


attempt("prlimit of the grader", lambda: resource.prlimit(
    os.getppid(), resource.RLIMIT_FSIZE, (0, 0)) and 0)
attempt("parent-death signal", lambda: libc.prctl(1, 0, 0, 0, 0))  # PR_SET_PDEATHSIG
attempt("System V shared memory", lambda: libc.shmget(0, 1 << 20, 0o1666))  # IPC_PRIVATE
attempt("socketpair", lambda: socket.socketpair() and 0)
attempt("inotify", lambda: libc.inotify_init())

if OPENED:
    def find_closest_centroids(X, centroids):
        raise RuntimeError("opened: " + ", ".join(OPENED))

    compute_centroid_means = kmeans_init_centroids = compress_image = find_closest_centroids
