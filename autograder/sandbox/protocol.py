"""The wire between the grader and a sandboxed worker, and both halves of the value codec.

A frame is an 8-byte little-endian length, a JSON header, then the arrays the header lists as
``.npy`` blobs: plain data, never pickle. What the worker sends is data from an attacker, so
:func:`read_frame` is the one place it is validated: header size and nesting depth, field types,
sizes that are non-negative and within a total cap, array dtypes from an allow-list (booleans,
integers, floats) and shapes within an element cap. A frame that fails raises
:class:`FrameError`; nothing invalid reaches a check.

The worker imports this file too (it is copied beside it): standard library and numpy only.
"""

import io
import json
import math
import os
import re
import struct

import numpy as np

MAX_HEADER_BYTES = 1 << 20
MAX_DEPTH = 16
MAX_ARRAYS = 64
MAX_ELEMENTS = 1 << 23
MAX_TEXT = 20_000  # characters of any string in a reply (printed output, messages)
MAX_ITEMS = 64  # items of a returned list or tuple that cross
ALLOWED_KINDS = "biuf"
GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class FrameError(Exception):
    """A frame that is malformed, too large or of the wrong shape; the message says how."""


# -- frames ----------------------------------------------------------------------------------

def read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def write_frame(fd: int, header: dict, arrays: dict | None = None) -> None:
    blobs = {key: npy(np.ascontiguousarray(array)) for key, array in (arrays or {}).items()}
    body = json.dumps(dict(header, arrays={k: len(b) for k, b in blobs.items()})).encode()
    view = memoryview(struct.pack("<Q", len(body)) + body + b"".join(blobs.values()))
    while view:
        view = view[os.write(fd, view):]


def npy(array: np.ndarray) -> bytes:
    """The .npy file of a C-contiguous ``array``, byte for byte as numpy writes it; an array of
    plain numbers without numpy's writer (which costs more than a small array's bytes)."""
    dtype = array.dtype
    if dtype.kind not in ALLOWED_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array, allow_pickle=False)
        return buffer.getvalue()
    text = f"{{'descr': {dtype.str!r}, 'fortran_order': False, 'shape': {array.shape!r}, }}"
    length = len(text) + 1  # its newline
    padding = -(len(NPY_1_0) + 2 + length) % 64  # numpy aligns the data to 64 bytes
    if length + padding > 0xFFFF:  # numpy's version 2.0 then: its writer says it
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array, allow_pickle=False)
        return buffer.getvalue()
    return (NPY_1_0 + struct.pack("<H", length + padding) + text.encode("latin1")
            + b" " * padding + b"\n" + array.tobytes())


NPY_1_0 = b"\x93NUMPY\x01\x00"


def read_frame(fd: int, max_bytes: int) -> tuple[dict, dict]:
    """Read and validate one frame; return its header (without ``arrays``) and its arrays."""
    length, = struct.unpack("<Q", read_exact(fd, 8))
    if length > MAX_HEADER_BYTES:
        raise FrameError(f"a header of {length} bytes (at most {MAX_HEADER_BYTES})")
    try:
        header = json.loads(read_exact(fd, length))
    except (ValueError, RecursionError) as error:
        raise FrameError(f"a header that is not valid JSON ({type(error).__name__})") from None
    _check_depth(header)
    sizes = field(header, "arrays", dict)
    header.pop("arrays")
    if len(sizes) > MAX_ARRAYS:
        raise FrameError(f"{len(sizes)} arrays (at most {MAX_ARRAYS})")
    total = 0
    for key, size in sizes.items():
        if type(size) is not int or size < 0:
            raise FrameError(f"array {key!r} with size {size!r}")
        total += size
    if total > max_bytes:
        raise FrameError(f"{total} bytes of arrays, more than the {max_bytes} allowed")
    return header, {key: _array(read_exact(fd, size), key) for key, size in sizes.items()}


def _check_depth(value) -> None:
    """FrameError if any value in the decoded JSON ``value`` lies deeper than MAX_DEPTH (the
    header itself at depth 1), looked at one depth at a time."""
    level, depth = [value], 1
    while level:
        if depth > MAX_DEPTH:
            raise FrameError(f"a header nested more than {MAX_DEPTH} deep")
        below = []
        for item in level:
            kind = type(item)  # JSON decodes to exactly dict, list and plain values
            if kind is dict:
                below.extend(item.values())
            elif kind is list:
                below.extend(item)
        level, depth = below, depth + 1


# The longest .npy header numpy's reader accepts (its default): one that lists 32 dimensions is
# far shorter, so a longer one is never parsed into numbers here.
MAX_HEADER = 10_000
# The header numpy writes for an array of plain numbers, exactly: read without evaluating it.
PLAIN_HEADER = re.compile(rb"\{'descr': '([<>|][biuf][0-9]{1,2})', 'fortran_order': (True|False), "
                          rb"'shape': \(((?:[0-9]{1,20}, )*[0-9]{1,20},?)?\), \} *\n\Z")


def _plain_header(blob: bytes):
    """(shape, fortran, dtype, offset of the data) of a .npy blob whose header is one numpy
    writes for an array of plain numbers, else None (numpy's own reader then says why)."""
    if blob[:6] != b"\x93NUMPY" or blob[6:8] not in (b"\x01\x00", b"\x02\x00"):
        return None
    start = 10 if blob[6] == 1 else 12
    if len(blob) < start:
        return None
    length = int.from_bytes(blob[8:start], "little")
    if length > MAX_HEADER:  # numpy's reader refuses it, and says so
        return None
    match = PLAIN_HEADER.match(blob, start, start + length)
    if match is None:
        return None
    descr, fortran, shape = match.groups()
    try:
        dtype = np.dtype(descr.decode())
    except TypeError:  # '<f99' has the shape of a dtype but is none: numpy's reader says so
        return None
    return (tuple(int(n) for n in shape.split(b",") if n.strip()) if shape else (),
            fortran == b"True", dtype, start + length)


def _array(blob: bytes, key: str) -> np.ndarray:
    """Parse one .npy blob, checking dtype, shape and length before any data is touched."""
    plain = _plain_header(blob)
    if plain is not None:
        shape, fortran, dtype, offset = plain
    else:
        shape, fortran, dtype, offset = _numpy_header(blob, key)
    if dtype.kind not in ALLOWED_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise FrameError(f"array {key!r} of dtype {dtype} (only booleans, integers and floats)")
    if not all(type(n) is int and 0 <= n <= MAX_ELEMENTS for n in shape) or len(shape) > 32:
        raise FrameError(f"array {key!r} with shape {shape}")
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise FrameError(f"array {key!r} of {count} elements (at most {MAX_ELEMENTS})")
    if len(blob) - offset != count * dtype.itemsize:
        raise FrameError(f"array {key!r} whose data does not match its shape {shape}")
    try:
        flat = np.frombuffer(blob, dtype=dtype, count=count, offset=offset)
        return flat.reshape(shape, order="F" if fortran else "C").copy()
    except (ValueError, TypeError, OverflowError, MemoryError) as error:
        raise FrameError(f"array {key!r} that cannot be rebuilt ({error})") from None


def _numpy_header(blob: bytes, key: str):
    """(shape, fortran, dtype, offset of the data) of any .npy blob, as numpy reads it."""
    stream = io.BytesIO(blob)
    try:
        version = np.lib.format.read_magic(stream)
        reader = {(1, 0): np.lib.format.read_array_header_1_0,
                  (2, 0): np.lib.format.read_array_header_2_0}[version]
        shape, fortran, dtype = reader(stream)
    except (ValueError, KeyError, SyntaxError, TypeError, OverflowError) as error:
        raise FrameError(f"array {key!r} with an unreadable header ({error})") from None
    return shape, fortran, dtype, stream.tell()


def field(header: dict, name: str, kind, default=None, required=True):
    """``header[name]``, which must be of type ``kind`` (strings are capped); FrameError if not."""
    if not isinstance(header, dict):
        raise FrameError(f"a header of type {type(header).__name__}")
    if name not in header:
        if required and default is None:
            raise FrameError(f"a header without {name!r}")
        return default
    value = header[name]
    if kind is int and type(value) is bool or not isinstance(value, kind):
        raise FrameError(f"field {name!r} of type {type(value).__name__}")
    if isinstance(value, str):
        return text(value)
    return value


def text(value: str) -> str:
    """A string from the worker, capped, and printable anywhere: a lone surrogate (which no
    encoder accepts) becomes its escape."""
    value = value[:MAX_TEXT]
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


# -- values: the grader's half ---------------------------------------------------------------

def encode(value, arrays: dict):
    """Describe an argument for the worker: arrays by key, a Generator by its state."""
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"array": key}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.random.Generator):
        return {"generator": value.bit_generator.state}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot send a {type(value).__name__} to the worker")


class Foreign:
    """Stands in for a returned value that cannot cross as data (an object, a subclass, an
    array of another dtype); ``type_name`` is what it was, ``text`` how to show it."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name[:200], text[:200]
        self.stand_in_for = self.text if self.text.startswith("a ") else f"a {self.type_name}"

    def __repr__(self):
        return self.text


def decode(spec, arrays: dict, depth: int = 0):
    """Rebuild a returned value from the worker's description; FrameError if it is malformed."""
    kind = field(spec, "kind", str)
    type_name = field(spec, "type", str, "")
    if depth > 3:
        raise FrameError("a returned value nested too deep")
    if kind == "ndarray":
        key = field(spec, "key", str)
        if key not in arrays:
            raise FrameError(f"a reply naming array {key!r}, which it did not send")
        if type_name == "numpy.ndarray":
            return arrays[key]
        if type_name == "numpy.matrix" and arrays[key].ndim == 2:
            return np.asmatrix(arrays[key])
        return Foreign(type_name, f"a {type_name} (a subclass of numpy.ndarray)")
    if kind == "json":
        value = spec.get("value")
        if value is not None and type(value) not in (bool, int, float, str):
            raise FrameError(f"a plain value of type {type(value).__name__}")
        return text(value) if isinstance(value, str) else value
    if kind == "scalar":
        value = spec.get("value")
        if type(value) not in (bool, int, float):
            raise FrameError(f"a numpy scalar of type {type(value).__name__}")
        try:
            return np.array(value)[()]
        except OverflowError:
            raise FrameError("a numpy scalar out of range") from None
    if kind == "sequence":
        items = field(spec, "items", list)[:MAX_ITEMS]
        values = [decode(item, arrays, depth + 1) for item in items]
        return tuple(values) if type_name == "builtins.tuple" else values
    if kind == "foreign":
        return Foreign(type_name, field(spec, "repr", str, "", required=False))
    raise FrameError(f"a value of kind {kind!r}")


# -- values: the worker's half ---------------------------------------------------------------

def decode_argument(value, arrays: dict):
    """Turn an argument's description back into the value (runs in the worker)."""
    if isinstance(value, dict) and "array" in value:
        return arrays[value["array"]]
    if isinstance(value, dict) and "generator" in value:
        state = value["generator"]
        if state.get("bit_generator") not in GENERATORS:
            raise ValueError(f"unknown bit generator {state.get('bit_generator')!r}")
        bit_generator = getattr(np.random, state["bit_generator"])()
        bit_generator.state = state
        return np.random.Generator(bit_generator)
    return value


def describe(value, arrays: dict, depth: int = 0) -> dict:
    """Describe a return value as plain data, keeping exactly what the checks need to know."""
    kind = type(value)
    name = f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in ALLOWED_KINDS or value.dtype.fields is not None:
            return {"kind": "foreign", "type": name,
                    "repr": f"a numpy array of dtype {value.dtype} and shape {value.shape}"}
        key = f"r{len(arrays)}"
        arrays[key] = np.ascontiguousarray(value)
        return {"kind": "ndarray", "type": name, "key": key}
    if value is None or kind in (bool, int, float, str):
        if kind is int and abs(value) > 1 << 63:
            return {"kind": "foreign", "type": name, "repr": "a very large integer"}
        return {"kind": "json", "value": value[:MAX_TEXT] if kind is str else value}
    if isinstance(value, np.generic) and value.dtype.kind in ALLOWED_KINDS:
        return {"kind": "scalar", "type": name, "value": value.item()}
    if kind in (list, tuple) and depth < 3:
        return {"kind": "sequence", "type": name,
                "items": [describe(item, arrays, depth + 1) for item in value[:MAX_ITEMS]]}
    text = repr(value) if kind.__repr__ is object.__repr__ else f"<{name} object>"
    return {"kind": "foreign", "type": name, "repr": text[:200]}


# -- call-backs: the worker asks the grader to answer for one of the module's functions -------
# While a call runs, the worker may send {"callback": name, "args": [...], "kwargs": {...}}
# (values described as a return value is, plus a Generator by its state); the grader answers
# {"answer": value} (encoded as an argument is) or {"refused": {"type": ..., "message": ...}},
# and the call goes on. Only the functions the request offered (its "proxies") may be asked for.

REFUSALS = ("ValueError", "TypeError", "IndexError", "RuntimeError")  # what a refusal raises


def describe_call_argument(value, arrays: dict):
    """Describe an argument of a call-back, as the worker sends it."""
    if isinstance(value, np.random.Generator):
        return {"kind": "generator", "state": _plain(value.bit_generator.state)}
    return describe(value, arrays)


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value.item() if isinstance(value, np.generic) else value


def decode_call_argument(spec, arrays: dict):
    """Rebuild an argument of a call-back (the grader's half); FrameError if it is malformed."""
    if isinstance(spec, dict) and spec.get("kind") == "generator":
        try:
            return decode_argument({"generator": field(spec, "state", dict)}, {})
        except (ValueError, TypeError, KeyError, OverflowError, AttributeError) as error:
            raise FrameError(f"a generator state numpy refuses ({type(error).__name__})") from None
    return decode(spec, arrays)
