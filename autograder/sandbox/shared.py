"""The inputs of a call, in memory the grader owns and reads back: how "unchanged" is observed.

A worker gets, when it starts, a memory file (``memfd``) the grader made, sized once and sealed
so that neither side can shrink or grow it (a worker that could shrink it would crash the grader
reading it). For each call the grader copies the array arguments into it, at offsets it chooses,
and keeps its own copies; the worker maps the file and hands the student's function arrays
whose memory *is* that mapping. After the reply the grader compares the mapping with its
copies: an argument whose bytes differ was modified. No code in the worker, however patched,
can make a modified argument read as unchanged except by putting its bytes back as they were,
which leaves the caller's array unchanged indeed.

Whether the result is a view of an argument cannot be observed this way: the result crosses as
data, and what the worker calls the result is its own choice. Returned.views stays the worker's
word (see docs/operators.md, "The sandbox").
"""

import mmap
import os

import numpy as np

# Bytes of the memory file: far more than any check's inputs (a few MiB), and all a worker can
# make the file hold beyond its own memory limit (it holds the descriptor, and pages it writes
# belong to the file), for one call at most: they are given back after every call (release).
SIZE = 256 << 20
ALIGN = 64  # each array starts at a multiple of this
SHAREABLE = "biuf"  # dtype kinds that are placed here (the others cross in the request frame)


class SharedInputs:
    """One worker's memory file of inputs (``fd`` is passed to it when it starts)."""

    def __init__(self, size: int = SIZE):
        import fcntl

        self.size = size
        self.fd = os.memfd_create("kmeans-inputs", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        try:
            os.ftruncate(self.fd, size)
            fcntl.fcntl(self.fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW
                        | fcntl.F_SEAL_SEAL)
            self.mapping = mmap.mmap(self.fd, size, mmap.MAP_SHARED,
                                     mmap.PROT_READ | mmap.PROT_WRITE)
        except BaseException:
            os.close(self.fd)
            raise
        self.placed = []  # (offset, the grader's own bytes) of each array of the last call
        self.used = 0

    def place(self, value) -> dict:
        """Copy the array ``value`` in; return how the worker finds it ({"shared": ...})."""
        array = np.ascontiguousarray(value)
        data = array.tobytes()
        offset = -(-self.used // ALIGN) * ALIGN
        if offset + len(data) > self.size:
            raise ValueError(f"a call's inputs exceed the {self.size >> 20} MiB a worker maps")
        self.mapping[offset:offset + len(data)] = data
        self.placed.append((offset, data))
        self.used = offset + len(data)
        return {"shared": {"offset": offset, "shape": list(array.shape),
                           "dtype": array.dtype.str}}

    def shareable(self, value) -> bool:
        return (isinstance(value, np.ndarray) and value.dtype.kind in SHAREABLE
                and value.dtype.fields is None)

    def start(self) -> None:
        """Forget the last call's inputs: a new call places its own from offset 0."""
        self.placed, self.used = [], 0

    def modified(self) -> list[int]:
        """Which arrays of this call (by the order they were placed) now differ from the
        grader's copies, as the grader itself reads them."""
        return [number for number, (offset, data) in enumerate(self.placed)
                if self.mapping[offset:offset + len(data)] != data]

    def release(self) -> None:
        """Give back every page of the file (the file keeps its size): the last call's inputs,
        and whatever the worker wrote anywhere in it. Cheap when the file is sparse."""
        try:
            self.mapping.madvise(mmap.MADV_REMOVE, 0, self.size)
        except (OSError, AttributeError, ValueError):  # a kernel without it: pages stay
            pass

    def close(self) -> None:
        try:
            self.mapping.close()
        finally:
            os.close(self.fd)
