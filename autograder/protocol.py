"""The wire format between the grader and a sandboxed worker: plain data, never pickle.

A frame is an 8-byte little-endian length, a JSON header, then the header's ``arrays`` as .npy
blobs read with ``allow_pickle=False``. Both sides import this file (it is mounted read-only
into the sandbox beside ``worker.py``), so it imports only the standard library and numpy.
"""

import io
import json
import os
import struct

import numpy as np


class FrameError(Exception):
    """A frame that is malformed or larger than allowed."""


def read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def write_frame(fd: int, header: dict, arrays: dict) -> None:
    blobs = {}
    for key, array in arrays.items():
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
        blobs[key] = buffer.getvalue()
    body = json.dumps(dict(header, arrays={k: len(b) for k, b in blobs.items()})).encode()
    data = struct.pack("<Q", len(body)) + body + b"".join(blobs.values())
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_frame(fd: int, max_bytes: int) -> tuple[dict, dict]:
    """Read one frame; refuse one whose parts add up to more than ``max_bytes``."""
    header_len, = struct.unpack("<Q", read_exact(fd, 8))
    if header_len > min(max_bytes, 1 << 20):
        raise FrameError(f"a reply header of {header_len} bytes")
    try:
        header = json.loads(read_exact(fd, header_len))
        sizes = header.pop("arrays")
        total = sum(int(size) for size in sizes.values())
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise FrameError(f"a malformed reply ({error})") from None
    if total > max_bytes:
        raise FrameError(f"a reply of {total} bytes, more than the {max_bytes} allowed")
    arrays = {}
    for key, size in sizes.items():
        try:
            array = np.lib.format.read_array(io.BytesIO(read_exact(fd, int(size))),
                                             allow_pickle=False)
        except (ValueError, OSError) as error:
            raise FrameError(f"an unreadable array ({error})") from None
        arrays[key] = array if array.flags.writeable else array.copy()
    return header, arrays
