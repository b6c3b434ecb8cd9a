# golden: makes system calls no list allows, by number (links, renames, device nodes, fchmodat2, which is newer than the filter's tables, truncating by path, changing folder, priorities, personality, pipes, epoll, tkill), and fcntl and ioctl requests outside the few allowed (F_SETOWN to the grader, a file's attribute flags): each is refused
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=full kmeans_init_centroids=full compress_image=14
# says: other system calls K-means does not need
import ctypes
import os
import platform

CANARY = b"/tmp/kmeans-golden-canary"
AT_FDCWD = -100
libc = ctypes.CDLL(None, use_errno=True)
# name: (x86_64 number, aarch64 number, arguments)
CALLS = {
    "linkat": (265, 37, (AT_FDCWD, CANARY, AT_FDCWD, b"linked", 0)),
    "symlinkat": (266, 36, (CANARY, AT_FDCWD, b"symlinked")),
    "renameat2": (316, 276, (AT_FDCWD, CANARY, AT_FDCWD, b"renamed", 0)),
    "mknodat": (259, 33, (AT_FDCWD, b"node", 0o10666, 0)),  # a FIFO
    "fchmodat2": (452, 452, (AT_FDCWD, CANARY, 0o6777, 0)),
    "truncate": (76, 45, (CANARY, 0)),
    "chdir": (80, 49, (b"/",)),
    "getpriority": (140, 141, (0, 0)),
    "personality": (135, 92, (ctypes.c_ulong(0xFFFFFFFF),)),  # only asks for the current one
    "pipe2": (293, 59, (ctypes.byref((ctypes.c_int * 2)()), 0)),
    "epoll_create1": (291, 20, (0,)),
    "tkill": (200, 130, (0, 0)),
}


def find_closest_centroids(X, centroids):
    index = {"x86_64": 0, "aarch64": 1}[platform.machine()]
    own = os.open(__file__, os.O_RDONLY)
    flags = ctypes.c_long()
    calls = {name: (numbers[index], args) for name, (*numbers, args) in CALLS.items()}
    calls["fcntl F_SETOWN"] = ({0: 72, 1: 25}[index], (own, 8, os.getppid()))
    calls["ioctl FS_IOC_GETFLAGS"] = ({0: 16, 1: 29}[index], (own, ctypes.c_ulong(0x80086601),
                                                       ctypes.byref(flags)))
    for name, (number, args) in calls.items():
        if libc.syscall(ctypes.c_long(number), *args) != -1:
            raise RuntimeError(f"{name} went through")
        error = ctypes.get_errno()
        if error != 1:  # EPERM
            raise RuntimeError(f"{name} was not refused: {os.strerror(error)}")
    raise PermissionError(1, os.strerror(1))
