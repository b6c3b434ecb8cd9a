"""The wire, attacked directly: every frame a hostile worker could send is refused as a
FrameError before it reaches a check, and values cross as plain data (never pickle)."""

import io
import json
import os
import struct

import numpy as np
import pytest

from autograder.sandbox import protocol
from autograder.sandbox.protocol import FrameError


def send(raw: bytes, max_bytes: int = 1 << 20):
    """Read ``raw`` as one frame, as the grader reads a worker's reply."""
    read, write = os.pipe()
    try:
        os.write(write, raw)
        os.close(write)
        return protocol.read_frame(read, max_bytes)
    finally:
        os.close(read)


def frame(header: dict, blobs: bytes = b"", sizes=None) -> bytes:
    body = json.dumps(dict(header, arrays=sizes or {})).encode()
    return struct.pack("<Q", len(body)) + body + blobs


def npy(array) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def test_a_frame_round_trips_with_its_arrays():
    read, write = os.pipe()
    array = np.arange(12, dtype=np.float64).reshape(3, 4)
    protocol.write_frame(write, {"ok": True}, {"a": array})
    os.close(write)
    header, arrays = protocol.read_frame(read, 1 << 20)
    os.close(read)
    assert header == {"ok": True}
    assert np.array_equal(arrays["a"], array) and arrays["a"].dtype == np.float64


@pytest.mark.parametrize("raw, problem", [
    (struct.pack("<Q", protocol.MAX_HEADER_BYTES + 1), "a header of"),
    (struct.pack("<Q", 5) + b"{nope", "not valid JSON"),
    (frame({"x": 1}, sizes={"a": -1}), "with size -1"),
    (frame({"x": 1}, sizes={"a": "12"}), "with size '12'"),
    (frame({"x": 1}, sizes={"a": 1 << 40}), "more than the"),
    (frame({"x": 1}, sizes={f"a{i}": 0 for i in range(protocol.MAX_ARRAYS + 1)}),
     "arrays (at most"),
    (struct.pack("<Q", 2) + b"[]", "a header of type list"),
])
def test_malformed_headers_are_refused(raw, problem):
    with pytest.raises(FrameError, match=problem.replace("(", r"\(")):
        send(raw)


def test_a_header_nested_too_deep_is_refused():
    nested = {"x": 1}
    for _ in range(protocol.MAX_DEPTH + 1):
        nested = {"x": nested}
    with pytest.raises(FrameError, match="nested more than"):
        send(frame(nested))


@pytest.mark.parametrize("array, problem", [
    (np.array([object(), 1], dtype=object), "dtype object"),  # pickle would be needed
    (np.array(["text"]), "dtype <U4"),
    (np.zeros(3, dtype=[("a", "i4"), ("b", "f8")]), "dtype"),
    (np.zeros(2, dtype=np.complex128), "dtype complex128"),
])
def test_arrays_that_are_not_plain_numbers_are_refused(array, problem):
    blob = npy(array)
    with pytest.raises(FrameError, match=problem):
        send(frame({"ok": True}, blob, {"a": len(blob)}))


def test_an_array_whose_data_does_not_match_its_shape_is_refused():
    blob = npy(np.zeros(10))[:-8]
    with pytest.raises(FrameError, match="does not match its shape"):
        send(frame({"ok": True}, blob, {"a": len(blob)}))


def test_an_array_with_a_huge_shape_is_refused_before_any_data_is_read():
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }"
    blob = b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) + header.ljust(117).encode() + b"\n"
    with pytest.raises(FrameError, match="elements|shape"):
        send(frame({"ok": True}, blob, {"a": len(blob)}))


def test_a_short_pipe_is_end_of_file_not_a_value():
    with pytest.raises(EOFError):
        send(struct.pack("<Q", 100) + b"{}")


def test_values_cross_as_data_and_foreign_objects_only_as_their_description():
    out = {}
    spec = protocol.describe((np.int64(3), [1.5, "x"], np.eye(2), object()), out)
    value = protocol.decode(json.loads(json.dumps(spec)), out)
    assert value[0] == 3 and value[1] == [1.5, "x"] and np.array_equal(value[2], np.eye(2))
    assert isinstance(value[3], protocol.Foreign) and value[3].type_name == "builtins.object"


@pytest.mark.parametrize("spec, problem", [
    ({"kind": "ndarray", "type": "numpy.ndarray", "key": "missing"}, "did not send"),
    ({"kind": "json", "value": {"a": 1}}, "a plain value of type dict"),
    ({"kind": "scalar", "value": "1"}, "a numpy scalar of type str"),
    ({"kind": "pickle", "value": "gASV"}, "a value of kind 'pickle'"),
    ({"kind": "sequence", "items": [{"kind": "sequence", "items": [{"kind": "sequence", "items": [
        {"kind": "sequence", "items": [{"kind": "json", "value": 1}]}]}]}]}, "nested too deep"),
])
def test_forged_value_descriptions_are_refused(spec, problem):
    with pytest.raises(FrameError, match=problem):
        protocol.decode(spec, {})


def test_strings_from_the_worker_are_capped_and_printable():
    assert len(protocol.text("x" * (protocol.MAX_TEXT + 10))) == protocol.MAX_TEXT
    assert protocol.text("a\udc80b").encode("utf-8") == b"a\\udc80b"


def plain_blob(text: str, version: int = 1) -> bytes:
    """A .npy blob whose header is ``text`` (padded as numpy pads it), with no data."""
    head = (text + "\n").encode()
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(head)) + head


def test_a_header_of_plain_shape_but_of_any_length_is_refused_as_numpy_refuses_it():
    """A header that looks like numpy's own but lists 5,000 dimensions (a reply's 32 MiB could
    hold ten million) is refused by its length before it is parsed into numbers, as numpy's
    reader refuses any header over 10,000 bytes."""
    text = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + "1, " * 4_999 + "1), }"
    blob = plain_blob(text, version=2)
    with pytest.raises(FrameError, match="unreadable header"):
        send(frame({"ok": True}, blob, {"a": len(blob)}))


@pytest.mark.parametrize("descr", ["<f99", "|b9", "<i3", "<u0"])
def test_a_plain_looking_header_of_a_dtype_numpy_does_not_know_is_refused(descr):
    blob = plain_blob(f"{{'descr': '{descr}', 'fortran_order': False, 'shape': (2,), }}")
    with pytest.raises(FrameError):
        send(frame({"ok": True}, blob + b"\0" * 16, {"a": len(blob) + 16}))
