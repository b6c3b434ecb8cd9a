"""The sandboxed worker: contains itself, says "ready", then loads one module and calls it.

It runs as ``python -I -B -S worker.py SETTINGS`` with the other files of this package's layers
beside it (protocol.py, landlock.py, seccomp.py, limits.py, notebook.py, and in __pycache__ the
bytecode the grader compiled of them, so that none is compiled again), already under its own
uid, or (as root, with a Python installation closed to other users) given one to take. In this
order, before any code of the module runs: the resource limits; the import paths it was given;
numpy; for a worker to leave uid 0, the modules it can no longer import after, from a list the
grader fixes (:func:`preload`);
Landlock (read only what it was given, write only its scratch folder); leaving uid 0 for good;
seccomp; then the "ready" frame, which says the uid. A worker that dies before "ready" failed
for a reason of the grader's, never the module's. Requests and replies are frames on two pipes
(protocol.py); during a call that offers call-backs, the module's globals of those names are
proxies that ask the grader over the same pipes (:func:`proxy`). What the module prints goes to a bounded buffer (its start and end kept, the middle
counted), returned with each reply: printing costs no file and no limit. What is written to the
file descriptors directly goes to the grader's stderr pipe, of which the grader keeps the tail.
"""

import gc

gc.disable()  # the worker's own start (numpy's imports) leaves no cycles worth collecting

import builtins  # noqa: E402
import importlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import mmap  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402

SETTINGS = json.loads(sys.argv[1])
sys.path[:0] = [os.path.dirname(os.path.abspath(__file__))]
sys.path += SETTINGS["site"]

import limits  # noqa: E402

limits.apply(SETTINGS["rlimits"], SETTINGS.get("parent"), SETTINGS.get("drop_to") is not None)

import numpy as np  # noqa: E402

import protocol  # noqa: E402

# numpy's submodules it imports only when first used: loaded while the installation is readable.
NUMPY_LAZY = ("numpy.random", "numpy.linalg", "numpy.fft", "numpy.polynomial", "numpy.ma")
# What a submission may import once the worker has left uid 0 is imported before, as root and
# before any confinement, from lists the grader fixes: each only when the submission's text
# names it, and nothing it names outside them. A top-level name is one of the standard library's
# (but those that do more than define things when imported) or of the packages below, found
# where the installation has it (sys.path holds only the installation and this folder of the
# grader's own files); a dotted name only when it is listed here, else just its top-level part:
# no name a submission chooses can select a module found somewhere unexpected.
NOT_PRELOADED = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test",
                 "webbrowser", "pydoc", "ensurepip", "venv", "site", "lib2to3", "pydoc_data"}
PRELOADED_TOPS = frozenset({"numpy", "matplotlib", "PIL", "mpl_toolkits"} | {
    name for name in sys.stdlib_module_names
    if name not in NOT_PRELOADED and not name.startswith("__")})
PRELOADED_PARTS = frozenset({
    "matplotlib.pyplot", "matplotlib.image", "matplotlib.colors", "matplotlib.cm",
    "mpl_toolkits.mplot3d", "PIL.Image", "numpy.random", "numpy.linalg", "numpy.fft",
    "numpy.polynomial", "numpy.ma", "numpy.typing", "numpy.testing", "os.path",
    "collections.abc", "importlib.util", "importlib.machinery", "urllib.request",
    "urllib.parse", "http.client", "email.message", "xml.etree.ElementTree",
    "concurrent.futures", "multiprocessing.shared_memory", "logging.handlers",
    "unittest.mock"})


def preloaded(name: str) -> str | None:
    """The module imported before confinement for ``name``, named in the submission's text."""
    if name in PRELOADED_PARTS:
        return name
    top = name.partition(".")[0]
    return top if top in PRELOADED_TOPS else None


IMPORTED = re.compile(rb"\b(?:import|from)\s+([A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*)")
IMPORTED_FROM = re.compile(rb"\bfrom\s+([A-Za-z_][\w.]*)\s+import\s+\(?\s*([\w \t,]+)")


def preload_list(texts) -> list[str]:
    """What :func:`preload` imports: this package's layers, numpy's lazily imported parts, and
    for each module one of ``texts`` (the submission's bytes) names in an import, what
    :func:`preloaded` allows of it."""
    names = ["landlock", "seccomp", "notebook", *NUMPY_LAZY]
    for text in texts:
        named = [name.strip() for match in IMPORTED.finditer(text)
                 for name in match.group(1).decode().split(",")]
        for match in IMPORTED_FROM.finditer(text):  # "from a import b": b may be a module
            package, members = match.group(1).decode(), match.group(2).decode()
            named += [f"{package}.{member.split()[0]}" for member in members.split(",")
                      if member.split()]
        names += [module for module in map(preloaded, named) if module]
    return list(dict.fromkeys(names))


def preload() -> None:
    """Import what student code can no longer import once the worker has left uid 0 (the Python
    installation closed to other users): the modules of :func:`preload_list`, each one the
    grader chose. What fails to import here fails for the student later, as it would."""
    texts = []
    for path in (SETTINGS["source"], SETTINGS["prelude"]):
        try:
            with open(path, "rb") as handle:
                texts.append(handle.read())
        except OSError:
            continue
    for name in preload_list(texts):
        try:
            importlib.import_module(name)
        except (Exception, SystemExit):  # noqa: BLE001 - not importable later either
            continue
    if len(os.listdir("/proc/self/task")) != 1:
        raise SystemExit("a preloaded module started a thread, which would keep uid 0")

# The harness's own references, taken before any student code runs: replacing numpy's
# attributes later does not change what these observe. (Whether an input was modified is not
# the harness's to say: the grader reads the inputs back from memory it shares, shared.py.)
_ndarray, _shares_memory = np.ndarray, np.shares_memory


class Printed(io.RawIOBase):
    """Where printed bytes end: the first and last ``keep`` are kept, the rest only counted.

    It sits under a buffered text stream (see :func:`printing_to`), so a print costs what it
    costs writing to a file, and this Python code runs once per 64 KiB, not once per print.
    """

    def __init__(self, keep: int):
        self.keep = keep
        self.head, self.tail, self.total = b"", b"", 0

    def writable(self):
        return True

    def write(self, data):
        data = memoryview(data).cast("B")  # slices of it copy nothing
        length = len(data)
        self.total += length
        if len(self.head) < self.keep:
            room = self.keep - len(self.head)
            self.head, data = self.head + bytes(data[:room]), data[room:]
        if len(data) >= self.keep:
            self.tail = bytes(data[-self.keep:])
        elif data:
            self.tail = (self.tail + bytes(data))[-self.keep:]
        return length

    def take(self) -> dict:
        """What was printed since the last take, then forget it."""
        text = lambda b: b.decode("utf-8", "replace")  # noqa: E731
        taken = {"head": text(self.head), "tail": text(self.tail),
                 "dropped": self.total - len(self.head) - len(self.tail)}
        self.head, self.tail, self.total = b"", b"", 0
        return taken


def printing_to(printed: Printed):
    """A text stream for sys.stdout and sys.stderr that writes into ``printed``."""
    return io.TextIOWrapper(io.BufferedWriter(printed, buffer_size=1 << 16), encoding="utf-8",
                            errors="backslashreplace")


def contain() -> list[str]:
    """Apply Landlock and seccomp as the settings ask, leaving uid 0 between them when asked
    (Landlock's paths are opened as root, seccomp's filter then refuses setuid); return the
    layers now in force."""
    layers = []
    if SETTINGS.get("drop_to") is not None:
        preload()
    if SETTINGS["landlock"]:
        if len(os.listdir("/proc/self/task")) != 1:
            raise SystemExit("the worker has more than one thread; Landlock would miss some")
        import landlock

        scratch = SETTINGS["scratch"]
        abi = landlock.restrict(SETTINGS["readable"] + [SETTINGS["stage"], "/dev/urandom"],
                                [scratch, "/dev/null"])
        layers.append(f"landlock {abi}")
    if SETTINGS.get("drop_to") is not None:
        limits.become(SETTINGS["drop_to"], SETTINGS.get("parent"))
    if SETTINGS["seccomp"]:
        import seccomp

        seccomp.install()
        layers.append("seccomp")
    return layers


def error_reply(error):
    """Describe an exception, with where in the student's own file (or notebook cell) it arose."""
    source, cells = SETTINGS["source"], f"{SETTINGS.get('notebook')}, "  # "NAME, In [3]"
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if f.filename == source or f.filename.startswith(cells)]
    if isinstance(error, SyntaxError) and type(error.lineno) is int:
        frames.append(traceback.FrameSummary(str(error.filename), error.lineno, ""))
    line, where = None, None
    if frames and frames[-1].filename == source:
        line = frames[-1].lineno
    elif frames:
        where = f"{frames[-1].filename}, line {frames[-1].lineno}"
    return {"ok": False, "error": {
        "type": type(error).__name__[:100], "message": str(error)[:500],
        "bases": [c.__name__ for c in type(error).__mro__ if c.__module__ == "builtins"],
        "errno": error.errno if isinstance(error, OSError) and type(error.errno) is int else None,
        "line": line if type(line) is int else None, "where": where}}


def confine_imports(importable, name: str) -> None:
    """Let the code of the module called ``name`` import only the standard library and the
    packages ``importable`` names (top-level names); None leaves imports as they are. Whatever
    else the Python installation holds fails for it as a missing package would, so the grade
    does not depend on what the grader's machine happens to have installed; the packages it
    imports do theirs as usual (matplotlib its own dependencies, say)."""
    if importable is None:
        return
    allowed = frozenset(importable) | sys.stdlib_module_names
    real_import, real_import_module = builtins.__import__, importlib.import_module

    def refused(wanted, importer) -> bool:
        return (isinstance(importer, dict) and importer.get("__name__") == name
                and isinstance(wanted, str) and wanted.partition(".")[0] not in allowed)

    def missing(wanted: str):
        top = wanted.partition(".")[0]
        return ModuleNotFoundError(f"No module named {top!r}", name=top)

    def guarded_import(wanted, globals=None, locals=None, fromlist=(), level=0):
        importer = sys._getframe(1).f_globals if globals is None else globals  # __import__()
        if level == 0 and refused(wanted, importer):
            raise missing(wanted)
        return real_import(wanted, globals, locals, fromlist, level)

    def guarded_import_module(wanted, package=None):
        if refused(wanted, sys._getframe(1).f_globals) and not str(wanted).startswith("."):
            raise missing(wanted)
        return real_import_module(wanted, package)

    builtins.__import__ = guarded_import
    importlib.import_module = guarded_import_module


def load(source: str) -> tuple[dict, dict]:
    """Run the module (a notebook: its prelude, then its module part); reply with its names."""
    module, notes, text = {"__name__": SETTINGS["name"], "__file__": source}, [], ""
    confine_imports(SETTINGS.get("importable"), SETTINGS["name"])
    try:
        if SETTINGS.get("notebook"):
            import notebook

            with open(SETTINGS["prelude"], "rb") as handle:
                exec(compile(handle.read(), "prelude", "exec"), module)
            with open(source, "rb") as handle:
                notes, text = notebook.run(handle.read(), SETTINGS["notebook"], module,
                                           SETTINGS["expected"])
        else:
            with open(source, "rb") as handle:
                exec(compile(handle.read(), source, "exec"), module)
    except BaseException as error:  # the module's failure to load is its own result
        return module, error_reply(error)
    return module, {"ok": True, "notes": notes, "text": text, "functions": sorted(
        name for name, value in module.items() if callable(value) and not name.startswith("__"))}


CHANNEL = []  # the (requests, replies) pipes, for the call-backs' proxies


def proxy(name: str):
    """A stand-in for the module's ``name`` during one call: it asks the grader, which answers
    with its own function (a call-back frame, protocol.py), and returns or raises what it says."""

    def stand_in(*args, **kwargs):
        requests, replies = CHANNEL
        out = {}
        protocol.write_frame(replies, {
            "callback": name, "args": [protocol.describe_call_argument(a, out) for a in args],
            "kwargs": {str(k): protocol.describe_call_argument(v, out)
                       for k, v in kwargs.items()}}, out)
        answer, arrays = protocol.read_frame(requests, SETTINGS["request_bytes"])
        if "refused" in answer:
            refused = answer["refused"]
            kind = refused.get("type") if refused.get("type") in protocol.REFUSALS else None
            raise getattr(builtins, kind or "RuntimeError")(str(refused.get("message")))
        return protocol.decode_argument(answer["answer"], arrays)

    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in


def with_proxies(module: dict, names) -> dict:
    """Put proxies in the module's globals for ``names``; return what they replaced."""
    replaced = {name: module.get(name, proxy) for name in names}
    module.update({name: proxy(name) for name in names})
    return replaced


def without_proxies(module: dict, replaced: dict) -> None:
    for name, value in replaced.items():
        if value is proxy:  # the module did not define it
            module.pop(name, None)
        else:
            module[name] = value


def shared_inputs(length) -> mmap.mmap | None:
    """The first ``length`` bytes of the grader's memory file of inputs, mapped (shared.py): the
    arrays a call gets live there, so the grader sees for itself whether the function changed
    them. Mapped anew for each call, as long as that call needs."""
    if type(length) is not int or length <= 0:
        return None
    return mmap.mmap(SETTINGS["inputs"]["fd"], min(length, SETTINGS["inputs"]["size"]),
                     mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)


def argument(value, arrays: dict, inputs):
    """One argument of a call: an array placed in the shared ``inputs`` is an array over that
    memory itself, anything else as the frame describes it."""
    if isinstance(value, dict) and "shared" in value:
        where = value["shared"]
        return np.ndarray(tuple(where["shape"]), np.dtype(where["dtype"]), inputs,
                          where["offset"])
    return protocol.decode_argument(value, arrays)


def call(module: dict, request: dict, arrays: dict) -> tuple[dict, dict]:
    inputs = shared_inputs(request.get("shared_bytes"))
    args = [argument(a, arrays, inputs) for a in request["args"]]
    kwargs = {k: argument(v, arrays, inputs) for k, v in request["kwargs"].items()}
    given = [a for a in args if isinstance(a, _ndarray)]
    replaced = with_proxies(module, request.get("proxies", ()))
    try:
        result = module[request["call"]](*args, **kwargs)
    except BaseException as error:  # SystemExit included: a student's exit is an error
        return error_reply(error), {}
    finally:
        without_proxies(module, replaced)
    out = {}
    reply = {"ok": True, "result": protocol.describe(result, out)}
    reply["views"] = [i for i, a in enumerate(given)
                      if isinstance(result, _ndarray) and _shares_memory(result, a)]
    return reply, out


def main():
    requests, replies = SETTINGS["fds"]
    for fd in (requests, replies, SETTINGS["inputs"]["fd"]):
        os.set_inheritable(fd, False)
    CHANNEL[:] = [requests, replies]
    os.chdir(SETTINGS["scratch"])
    layers = contain()
    gc.freeze()  # what the worker imported is never collected: the module's collections skip it
    gc.enable()  # before any code of the module runs
    printed = Printed(SETTINGS["output_chars"] // 2)
    sys.stdout = sys.stderr = stream = printing_to(printed)
    protocol.write_frame(replies, {"ready": True, "layers": layers, "uid": os.getuid()})
    module = None
    while True:
        try:
            request, arrays = protocol.read_frame(requests, SETTINGS["request_bytes"])
        except EOFError:
            return
        if request.get("load"):
            module, reply = load(SETTINGS["source"])
            out = {}
        else:
            reply, out = call(module, request, arrays)
        try:
            stream.flush()
        except (OSError, ValueError):  # the module closed or broke its own output
            sys.stdout = sys.stderr = stream = printing_to(printed)
        reply["printed"] = printed.take()
        protocol.write_frame(replies, reply, out)


if __name__ == "__main__":
    main()
