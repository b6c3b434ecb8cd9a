"""The sandboxed worker: loads one submission and calls its functions on request.

This file runs inside the sandbox with ``protocol.py`` beside it; they are the only grader
files the sandbox can see, and they import only the standard library and numpy. It reads
requests and writes replies on the two pipe ends it is given (see ``protocol.py``).

Before loading the submission it sets the resource limits it is given, and as root it gives up
root for an unprivileged user. The student's prints go to a file in the private scratch folder,
and the tail of it comes back with each reply.
"""

import io
import json
import os
import resource
import sys
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import protocol  # noqa: E402

OUTPUT_KEEP = 2000  # characters of printed output returned with a reply
REQUEST_LIMIT = 1 << 30
def decode(value, arrays):
    """Turn a request's argument description back into a value."""
    if isinstance(value, dict) and "array" in value:
        return arrays[value["array"]]
    if isinstance(value, dict) and "generator" in value:
        state = value["generator"]
        if state.get("bit_generator") not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
            raise ValueError(f"unknown bit generator {state.get('bit_generator')!r}")
        bit_generator = getattr(np.random, state["bit_generator"])()
        bit_generator.state = state
        return np.random.Generator(bit_generator)
    return value


def describe(value, arrays):
    """Describe a return value as plain data, keeping exactly what the checks need to know."""
    kind = type(value)
    name = f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject or value.dtype.fields is not None:
            return {"kind": "foreign", "type": name, "repr": f"array of dtype {value.dtype}"}
        key = f"r{len(arrays)}"
        arrays[key] = np.ascontiguousarray(value)
        return {"kind": "ndarray", "type": name, "key": key}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"kind": "json", "value": value}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"kind": "scalar", "type": name, "value": value.item()}
    if isinstance(value, (list, tuple)):
        return {"kind": "sequence", "type": name,
                "items": [describe(item, arrays) for item in value[:64]]}
    text = repr(value) if kind.__repr__ is object.__repr__ else f"<{name} object>"
    return {"kind": "foreign", "type": name, "repr": text[:200]}


def printed_output(path):
    """The tail of what the submission printed since the last call, then forget it."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - OUTPUT_KEEP))
            text = handle.read().decode("utf-8", "replace")
        os.truncate(path, 0)
    except OSError:
        return ""
    return ("..." if size > OUTPUT_KEEP else "") + text


def error_reply(error, source):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == source]
    return {"ok": False, "error": {
        "type": type(error).__name__,
        "bases": [c.__name__ for c in type(error).__mro__ if c.__module__ == "builtins"],
        "message": str(error)[:500],
        "line": getattr(error, "lineno", None) if isinstance(error, SyntaxError) else
        (frames[-1].lineno if frames else None)}}


def limit(settings):
    """Apply resource limits, then give up root for the sandbox user."""
    for name, value in settings.get("rlimits", {}).items():
        resource.setrlimit(getattr(resource, name), (value, value))
    uid = settings.get("uid")
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        if os.getuid() == 0:  # cannot happen after setuid; refuse to go on as root
            raise SystemExit("the worker could not drop root")


# Loaded before dropping root: without bubblewrap the unprivileged uid may not be able to read
# the Python installation (e.g. under /root), so what a submission commonly imports comes first.
PRELOAD = ("numpy.random", "numpy.linalg", "numpy.fft", "math", "random", "statistics",
           "collections", "itertools", "functools", "operator", "copy", "time", "typing",
           "dataclasses", "zlib", "heapq", "bisect", "warnings")


def main():
    settings = json.loads(sys.argv[1])
    requests, replies = settings["fds"]
    for name in PRELOAD:
        __import__(name)
    limit(settings)
    for fd in (requests, replies):
        os.set_inheritable(fd, False)
    os.makedirs(settings["scratch"], exist_ok=True)
    # Printed output goes to a private file, so it can never corrupt the replies.
    output = os.path.join(settings["scratch"], "printed.txt")
    out_fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(out_fd)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), line_buffering=True)
    sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), line_buffering=True)
    os.chdir(settings["scratch"])

    source = settings["source"]
    sys.path.insert(0, os.path.dirname(source))
    module = {"__name__": "kmeans", "__file__": source}
    try:
        with open(source, "rb") as handle:
            code = compile(handle.read(), source, "exec")
        exec(code, module)
    except BaseException as error:  # the submission's failure to load is its own result
        reply = error_reply(error, source)
        reply["error"]["load"] = True
    else:
        names = sorted(name for name, value in module.items() if callable(value)
                       and not name.startswith("__"))
        reply = {"ok": True, "functions": names}
    reply["output"] = printed_output(output)
    protocol.write_frame(replies, reply, {})

    while True:
        try:
            request, arrays = protocol.read_frame(requests, REQUEST_LIMIT)
        except EOFError:
            return
        args = [decode(a, arrays) for a in request["args"]]
        kwargs = {k: decode(v, arrays) for k, v in request["kwargs"].items()}
        before = {i: a.copy() for i, a in enumerate(args) if isinstance(a, np.ndarray)}
        try:
            result = module[request["call"]](*args, **kwargs)
        except BaseException as error:  # SystemExit included: a student's exit is an error
            reply, out_arrays = error_reply(error, source), {}
        else:
            out_arrays = {}
            reply = {"ok": True, "result": describe(result, out_arrays)}
            reply["modified"] = [i for i, a in before.items()
                                 if not np.array_equal(a, args[i], equal_nan=True)]
            reply["views"] = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)
                              and isinstance(result, np.ndarray) and np.shares_memory(result, a)]
        reply["output"] = printed_output(output)
        protocol.write_frame(replies, reply, out_arrays)


if __name__ == "__main__":
    main()
