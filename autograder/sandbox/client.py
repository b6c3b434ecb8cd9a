"""The grader's side: start a worker, run calls under budgets, return what happened as data.

:class:`Sandbox` is one module's worker, restarted as needed. Every call returns one of the
outcomes below, never raises for anything the module did: :class:`Returned`, :class:`Raised`,
:class:`Died`, :class:`TimedOut`, :class:`Malformed` (its reply failed validation),
:class:`NotRun` (a function that timed out before, or the module's time is used up). A worker
that dies before "ready" has failed for a reason of the grader's, or of its isolation mode: the
next mode that starts here is taken (when the caller gives a ``fall_back``, as detect.Sandbox
does), or :class:`NotReady` is raised.

Calls are budgeted in CPU seconds the worker used, read from /proc, so that a neighbour's load
cannot time a correct module out; a wall-clock ceiling (``Limits.wall_factor`` times the CPU
budget) stops code that sleeps.
"""

import errno
import importlib.util
import json
import marshal
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import limits as limits_module, protocol
from .callbacks import CallBackFault, CallBacks
from .installation import readable_paths, site_folders
from .isolation import Isolation
from .limits import Cgroup, Limits
from .removal import remove_tree
from .shared import SharedInputs

LAYER_FILES = ("worker.py", "protocol.py", "landlock.py", "seccomp.py", "limits.py",
               "notebook.py")
HERE = Path(__file__).resolve().parent


def _bytecode(source: bytes, path: str) -> bytes:
    """A layer file's compiled form, as Python would cache it beside a copy of it (PEP 552: the
    hash of its source, checked when imported, so it runs only beside that very source)."""
    code = compile(source, path, "exec", dont_inherit=True)
    return (importlib.util.MAGIC_NUMBER + (0b11).to_bytes(4, "little")
            + importlib.util.source_hash(source) + marshal.dumps(code))


def _layers() -> dict:
    """The grader's own copies of the files staged beside each worker, read once: {path in the
    stage: bytes}, each module the worker imports with its bytecode (the worker writes none,
    ``-B``), so that no worker compiles them again."""
    staged = {}
    for name in LAYER_FILES:
        source = (HERE / name).read_bytes()
        staged[name] = source
        if name != "worker.py":  # the script itself is compiled as it runs
            staged[f"__pycache__/{name[:-3]}.{sys.implementation.cache_tag}.pyc"] = _bytecode(
                source, name)
    return staged


LAYERS = _layers()


@dataclass
class Returned:
    value: object
    printed: str = ""
    # positions (among the array arguments) of those changed, as the grader read them back
    # from the memory it shared with the worker (shared.py): no worker can hide a change
    modified: list = field(default_factory=list)
    # positions of array arguments the result views, as the worker says: its word only, which
    # a patched worker can forge (shared.py says why nothing better can be observed)
    views: list = field(default_factory=list)


@dataclass
class Raised:
    type: str
    message: str
    bases: list
    line: int | None = None
    errno: int | None = None
    printed: str = ""
    where: str | None = None  # in a notebook: "NAME, In [N], line M" (or "the N-th code cell")


@dataclass
class Died:
    status: int | None  # exit status, or None when a signal ended it
    signal: str | None  # e.g. "SIGSEGV"
    why: str = ""  # set when the grader stopped it (scratch folder over its limit)
    stderr: str = ""


@dataclass
class TimedOut:
    seconds: float  # the budget that ran out
    clock: str  # "CPU" or "wall-clock"


@dataclass
class Malformed:
    problem: str


@dataclass
class NotRun:
    reason: str  # "timed out before" or "out of time"
    used: float = 0.0  # CPU seconds of all calls so far
    wall: float = 0.0  # wall-clock seconds of all calls so far


@dataclass
class Loaded:
    functions: list
    printed: str = ""
    notes: list = field(default_factory=list)  # of a notebook's statements taken for
    # analysis, each a dict of plain values (notebook.run says which), for the caller to word
    text: str = ""  # a notebook's module part, as the student wrote it


class NotReady(RuntimeError):
    """The worker died or hung before it was ready: the grader's fault, with its stderr.
    ``why`` says it in one line (the last line the worker wrote, if any)."""

    def __init__(self, message: str, why: str):
        super().__init__(message)
        self.why = why


def _launch(process, fds, module, hidden) -> tuple[list[str], dict]:
    """The worker's command line (as its isolation mode starts it) and environment."""
    isolation, limits, scratch = process.isolation, process.limits, process.scratch
    settings = {"fds": list(fds), "site": site_folders(), "stage": str(process.stage),
                "source": str(process.stage / "module"), "scratch": str(scratch),
                "notebook": module.notebook, "prelude": str(process.stage / "prelude"),
                "expected": list(module.expected), "name": module.name,
                "importable": None if module.importable is None else list(module.importable),
                "readable": readable_paths(hidden), "landlock": isolation.landlock,
                "seccomp": isolation.seccomp, "rlimits": limits.rlimits(process.uid is not None),
                "parent": None if isolation.mode.namespaced else os.getpid(),
                "output_chars": limits.output_chars, "request_bytes": 1 << 30,
                "inputs": {"fd": process.inputs.fd, "size": process.inputs.size},
                "drop_to": process.uid if isolation.leaves_root else None}
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": str(scratch),
           "TMPDIR": str(scratch), "MPLCONFIGDIR": str(scratch / "matplotlib"),
           "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    argv = [os.path.realpath(sys.executable), "-I", "-B", "-S",
            str(process.stage / "worker.py"), json.dumps(settings)]
    return isolation.mode.command(argv, settings, env, limits.scratch_bytes, process.uid), env


SCRATCH_FILES = 10_000  # files and folders in a worker's scratch folder, all together
SCRATCH_DEPTH = 64  # folders inside folders in it
SCRATCH_CHECK_SECONDS = 0.02  # between two checks of it while a call runs
CLOCK_CHECK_SECONDS = 0.05  # between two readings of the worker's clocks while a call runs


def scratch_over(folder: Path, limit: int, most_files: int = SCRATCH_FILES,
                 deepest: int = SCRATCH_DEPTH) -> str | None:
    """Why the scratch ``folder`` is over its limits (bytes, entries, depth), or None: a walk
    that stops at the first limit passed, so its length is bounded whatever the folder holds."""
    used, count, stack = 0, 0, [(str(folder), 0, False)]
    while stack:
        where, depth, opened = stack.pop()
        try:
            with os.scandir(where) as entries:
                for entry in entries:
                    count += 1
                    if count > most_files:
                        return f"it made more than {most_files} files in its scratch folder"
                    if entry.is_dir(follow_symlinks=False):
                        if depth + 1 > deepest:
                            return (f"it nested folders more than {deepest} deep in its "
                                    f"scratch folder")
                        stack.append((entry.path, depth + 1, False))
                    else:
                        used += entry.stat(follow_symlinks=False).st_blocks * 512
                        if used > limit:
                            return (f"it wrote more than {limit >> 20} MiB into its scratch "
                                    f"folder")
        except OSError as error:
            if error.errno == errno.ENAMETOOLONG:  # deeper than a path can name
                return f"it nested folders more than {deepest} deep in its scratch folder"
            if error.errno == errno.EACCES and not opened:  # one it made unreadable (same uid)
                try:
                    os.chmod(where, 0o700)
                    stack.append((where, depth, True))
                except OSError:
                    pass
            continue  # a folder that vanished
    return None


class _Process:
    """One worker process: staged afresh from the grader's own copies, started, stopped."""

    last_cpu = None  # its CPU seconds read as the last exchange with it ended

    def __init__(self, isolation: Isolation, limits: Limits, hidden, module, prefix: str):
        self.isolation, self.limits, mode = isolation, limits, isolation.mode
        self.uid = limits_module.next_uid() if isolation.own_uid else None
        self.stage = Path(tempfile.mkdtemp(prefix=prefix, dir=mode.stage_folder(
            self.uid is not None)))
        self.popen = None
        try:
            self._start(module, hidden, prefix)
        except BaseException:  # Ctrl-C included: no worker and no stage are left behind
            if self.popen is not None:
                self.popen.kill()
                self.popen.wait()
            remove_tree(self.stage)
            raise

    def _start(self, module, hidden, prefix: str) -> None:
        isolation, limits, mode = self.isolation, self.limits, self.isolation.mode
        (self.stage / "__pycache__").mkdir()
        for name, data in LAYERS.items():
            (self.stage / name).write_bytes(data)
        (self.stage / "module").write_bytes(module.source)
        (self.stage / "prelude").write_bytes(module.prelude)
        self.scratch = mode.scratch(self.stage)
        self._protect()
        self.inputs = SharedInputs()
        reqs_r, self.requests = os.pipe()
        self.replies, reps_w = os.pipe()
        err_r, err_w = os.pipe()
        argv, env = _launch(self, (reqs_r, reps_w), module, hidden)
        try:
            self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err_w,
                                          stderr=err_w,
                                          pass_fds=(reqs_r, reps_w, self.inputs.fd),
                                          start_new_session=True, env=env, cwd="/",
                                          **mode.user(None if isolation.leaves_root
                                                      else self.uid))
        except OSError:
            for fd in (reqs_r, reps_w, err_w, err_r, self.requests, self.replies):
                os.close(fd)
            self.inputs.close()
            remove_tree(self.stage)
            raise
        for fd in (reqs_r, reps_w, err_w):
            os.close(fd)
        self.cgroup = Cgroup.create(f"{prefix}{self.popen.pid}", limits)
        if self.cgroup:
            self.cgroup.add(self.popen.pid)
        self.stderr = bytearray()
        self.drainer = threading.Thread(target=self._drain, args=(err_r,), daemon=True)
        self.drainer.start()

    def _protect(self) -> None:
        """Everything staged is the grader's and read-only to the worker; only the scratch
        folder is the worker's. Under a uid of its own, no other uid may enter the stage."""
        cache = self.stage / "__pycache__"
        for path in [self.stage, *self.stage.iterdir(), *cache.iterdir()]:
            path.chmod(0o750 if path.is_dir() else 0o640)
            if self.uid is not None:
                os.chown(path, 0, self.uid)
        if self.scratch.parent == self.stage:
            self.scratch.chmod(0o700)
            if self.uid is not None:
                os.chown(self.scratch, self.uid, self.uid)

    def _drain(self, fd: int) -> None:
        """Keep the last 8 KiB the worker wrote to its file descriptors 1 and 2."""
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                self.stderr = (self.stderr + chunk)[-8192:]

    clock = None  # a limits.ProcessClock of its processes once none can be added (fixed())

    def cpu(self) -> float | None:
        """CPU seconds of the command started and every process below it."""
        if self.clock is not None:
            return self.clock.seconds()
        return limits_module.cpu_seconds(self.popen.pid)

    def fixed(self) -> None:
        """Its seccomp filter is in force (it said so when ready): no process can join those
        running now, whose clocks are read from here on through descriptors kept open."""
        try:
            self.clock = limits_module.ProcessClock(self.popen.pid)
        except OSError:  # it is already gone: read as before, which says so
            self.clock = None

    @property
    def watched(self) -> bool:
        """Whether the grader watches its scratch folder (else a size-limited tmpfs inside
        bubblewrap, which the kernel keeps within its limit)."""
        return self.scratch.parent == self.stage

    def scratch_over(self) -> str | None:
        return scratch_over(self.scratch, self.limits.scratch_bytes) if self.watched else None

    def exit(self) -> Died:
        code = self.isolation.mode.exit_status(self.popen.wait())
        self.drainer.join(1.0)  # what it wrote last, read before it is reported (a loaded
        # machine may not have run the drain yet); a process it left holding the pipe waits 1 s
        if code < 0 and -code in set(signal.Signals):
            return Died(None, signal.Signals(-code).name, stderr=self.stderr_text())
        return Died(code, None, stderr=self.stderr_text())

    def stderr_text(self) -> str:
        return bytes(self.stderr).decode("utf-8", "replace")

    def kill(self) -> None:
        if self.popen.poll() is None:
            # Stopped first, so that it starts nothing more, then killed with its children:
            # bubblewrap's child is the init of the worker's pid namespace, in a session of its
            # own, which killpg misses, and it dies with its parent only once it has asked to
            # (a batch interrupted while a worker started left one running, as root, for good);
            # killing a namespace's init kills everything in it.
            try:
                os.kill(self.popen.pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
            for pid in [*children_of(self.popen.pid), self.popen.pid]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait()

    def close(self) -> None:
        for fd in (self.requests, self.replies):
            try:
                os.close(fd)
            except OSError:
                pass
        self.kill()
        if self.clock is not None:
            self.clock.close()
            self.clock = None
        if getattr(self, "inputs", None) is not None:
            self.inputs.close()
            self.inputs = None
        if self.cgroup:
            self.cgroup.close()
        if self.uid is not None:
            limits_module.kill_uid(self.uid)
        remove_tree(self.stage)  # whatever the worker left in it: never raises


def children_of(pid: int) -> list[int]:
    """The pids of ``pid``'s children, as the kernel lists them (none if it cannot say)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(word) for word in handle.read().split()]
    except (OSError, ValueError):
        return []


@dataclass(frozen=True)
class Module:
    """What a worker loads: ``source``, the bytes of a .py file, or with ``notebook`` (its name)
    a notebook's, whose module part (notebook.py) runs after ``prelude`` (a .py source) and must
    define one of ``expected``. It runs as a module called ``name``, whose own code may import
    only the standard library and ``importable`` (unless that is None)."""

    source: bytes
    notebook: str | None = None
    prelude: bytes = b""
    expected: tuple = ()
    name: str = "module"  # the __name__ it runs under
    importable: tuple | None = None  # the packages its code may import besides the standard
    # library (top-level names); None: whatever the Python installation holds


class Sandbox:
    """One module behind a worker, restarted as needed.

    ``hidden`` lists folders the worker must never see even where they lie inside the Python
    installation (the grader's own package, installed from a wheel, say). Each worker is staged
    in a new folder named ``prefix`` and a random part. A worker that dies before "ready" is the
    mode's failure, not the module's: given ``fall_back`` (a function of the isolation, why
    and ``hidden`` that returns the next isolation to try, or None), the sandbox starts again in
    the isolation it returns (``isolation`` then says which); without it, :class:`NotReady`.
    """

    def __init__(self, module: Module, isolation: Isolation, limits: Limits = Limits(),
                 hidden=(), prefix: str = "sandbox-worker-", fall_back=None):
        self.module, self.isolation, self.limits, self.hidden = module, isolation, limits, hidden
        self.prefix, self.fall_back = prefix, fall_back
        self.process = None
        self.timed_out = {}  # function name -> TimedOut: never called again
        self.used = 0.0  # CPU seconds of all calls so far (wall-clock where CPU is unreadable)
        self.wall = 0.0  # wall-clock seconds of all calls so far
        self.notes = []  # what the grader made of a notebook, for the student
        self.text = ""  # a notebook's module part, as the student wrote it

    def start(self) -> Loaded | Raised | Died | TimedOut | Malformed:
        """Start a worker and load the module in it; NotReady if no worker got ready (in the
        forced mode, or in any mode left to fall back to)."""
        while True:
            try:
                self._ready()
                break
            except NotReady as error:
                after = self.fall_back and self.fall_back(self.isolation, error.why,
                                                          self.hidden)
                if not after:
                    raise
                self.isolation = after
        loaded = self._exchange({"load": True}, self.limits.load_seconds)
        if not isinstance(loaded, Returned):
            return loaded
        try:
            names = protocol.field(loaded.value, "functions", list)
            notes = protocol.field(loaded.value, "notes", list, [], required=False)
            return Loaded([protocol.text(str(n))[:200] for n in names[:1000]], loaded.printed,
                          [_note(note) for note in notes[:20]],
                          protocol.field(loaded.value, "text", str, "", required=False))
        except protocol.FrameError as error:
            self.stop()
            return Malformed(str(error))

    def _ready(self) -> None:
        """Start a worker of this isolation and see it say "ready" with the layers asked for."""
        self.stop()
        self.process = _Process(self.isolation, self.limits, self.hidden, self.module,
                                self.prefix)
        ready = self._exchange(None, self.limits.load_seconds)
        if not isinstance(ready, Returned):
            self.stop()
            detail = ready.stderr if isinstance(ready, Died) else repr(ready)
            lines = [line.strip() for line in detail.splitlines() if line.strip()]
            why = (f"its worker did not say it was ready within {ready.seconds:g} s of "
                   f"{ready.clock} time" if isinstance(ready, TimedOut) else
                   f"its worker died before it was ready ({lines[-1][:200] if lines else ready})")
            raise NotReady(f"the sandboxed worker did not start ({ready}):\n{detail}", why)
        asked = sorted(layer.split()[0] for layer in self.isolation.layers
                       if layer.split()[0] in ("landlock", "seccomp"))
        reported = protocol.field(ready.value, "layers", list, [], required=False)
        uid = ready.value.get("uid")
        if sorted(str(layer).split()[0] for layer in reported if layer) != asked:
            why = f"its worker applied {reported}, not the layers asked for ({asked})"
        elif (self.process.uid is not None and not self.isolation.mode.namespaced
              and uid != self.process.uid):
            why = f"its worker runs under uid {uid}, not the uid of its own it was given"
        else:
            if "seccomp" in asked:
                self.process.fixed()
            return
        self.stop()  # before any student code: the worker is not what it should be
        raise NotReady(why, why)

    def call(self, name: str, args=(), kwargs=None, seconds: float | None = None,
             callbacks: CallBacks | None = None):
        """Call the module's ``name`` in the worker; return the outcome. With ``callbacks``,
        the module's globals of those names answer from the grader meanwhile (callbacks.py)."""
        if name in self.timed_out:
            return NotRun("timed out before")
        if self.out_of_time:
            return NotRun("out of time", self.used, self.wall)
        if self.process is None or self.process.popen.poll() is not None:
            loaded = self.start()
            if not isinstance(loaded, Loaded):
                return loaded
        arrays = {}
        inputs = self.process.inputs
        request, placed = shared_request(inputs, name, args, kwargs or {}, arrays)
        if callbacks is not None:
            request["proxies"] = callbacks.names
        try:
            outcome = self._exchange(request, seconds or self.limits.call_seconds, arrays,
                                     callbacks)
            modified = [placed[n] for n in inputs.modified() if placed[n] is not None]
        finally:
            inputs.release()
        if isinstance(outcome, TimedOut):
            self.timed_out[name] = outcome
        if not isinstance(outcome, Returned):
            return outcome
        header = outcome.value
        try:
            value = protocol.decode(protocol.field(header, "result", dict), outcome.arrays)
            views = protocol.field(header, "views", list)
            if not all(type(p) is int for p in views):
                raise protocol.FrameError("positions that are not integers")
        except protocol.FrameError as error:
            self.stop()
            return Malformed(str(error))
        return Returned(value, outcome.printed, modified, views)

    @property
    def out_of_time(self) -> bool:
        """All calls together used the submission's CPU budget, or its wall-clock ceiling."""
        budget = self.limits.total_seconds
        return self.used >= budget or self.wall >= budget * self.limits.wall_factor

    def _exchange(self, request, seconds: float, arrays=None, callbacks=None):
        """One exchange with the worker (see :func:`exchange`); calls count toward the budget."""
        outcome, cpu, wall = exchange(self.process, request, seconds, self.limits, arrays,
                                      callbacks)
        if request is not None:
            self.used += cpu
            self.wall += wall
        return outcome

    def stop(self) -> None:
        if self.process is not None:
            self.process.close()
            self.process = None

    close = stop

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def shared_request(inputs: SharedInputs, name: str, args, kwargs: dict, arrays: dict):
    """A call's request, its numeric arrays placed in the worker's shared ``inputs`` (the
    others, and every other value, described in the frame, see protocol.encode); and for each
    array placed, in order, its position among the positional array arguments (None for a
    keyword's), the positions Returned.modified speaks of."""
    inputs.start()
    placed, position = [], 0

    def describe(value, positional: bool):
        nonlocal position
        if inputs.shareable(value):
            placed.append(position if positional else None)
        if isinstance(value, np.ndarray) and positional:
            position += 1
        return inputs.place(value) if inputs.shareable(value) else protocol.encode(value, arrays)

    request = {"call": name, "args": [describe(a, True) for a in args],
               "kwargs": {k: describe(v, False) for k, v in kwargs.items()}}
    request["shared_bytes"] = inputs.used
    return request, placed


def exchange(process: _Process, request, seconds: float, limits: Limits, arrays=None,
             callbacks: CallBacks | None = None):
    """Send a request (None: wait for "ready") and read the reply, under a budget of
    ``seconds`` of the worker's CPU (and ``limits.wall_factor`` times that of wall-clock).
    Return (outcome, CPU seconds, wall seconds): the reply's header as Returned.value, a reply
    saying ``ok: false`` as Raised, or what happened instead. With ``callbacks``, call-back
    frames are answered until the reply comes (:func:`answer_call_backs`)."""
    stopped = []
    # The worker waits between exchanges: the last one's closing reading is where this one
    # starts (one read of /proc an exchange, not two; CPU it spent in between is counted here).
    start_cpu = getattr(process, "last_cpu", None)
    start_cpu, start_wall = process.cpu() if start_cpu is None else start_cpu, time.monotonic()
    done = threading.Event()
    if callbacks is not None:
        callbacks.begin()

    def start_wall_of() -> float:  # the grader's time answering call-backs is not the worker's
        return start_wall + (callbacks.seconds if callbacks is not None else 0.0)

    def spent(cpu) -> float:
        wall = time.monotonic() - start_wall_of()
        return cpu - start_cpu if cpu is not None and start_cpu is not None else wall

    def watch():  # a watched scratch folder is checked at every tick, the clocks every 0.05 s
        checked = 0.0
        tick = SCRATCH_CHECK_SECONDS if process.watched else CLOCK_CHECK_SECONDS
        while not done.wait(tick):
            why = process.scratch_over()
            if why is None and time.monotonic() - checked < CLOCK_CHECK_SECONDS:
                continue
            checked = time.monotonic()
            used, wall = spent(process.cpu()), checked - start_wall_of()
            if used > seconds or wall > seconds * limits.wall_factor or why:
                stopped.append(why or TimedOut(seconds, "CPU" if used > seconds
                                               else "wall-clock"))
                process.kill()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        if request is not None:
            protocol.write_frame(process.requests, request, arrays)
        header, out = protocol.read_frame(process.replies, limits.reply_bytes)
        if callbacks is not None:
            header, out = answer_call_backs(process, callbacks, header, out, limits)
        outcome = reply_outcome(header, out)
    except CallBackFault:  # the grader's own failure: no worker is left waiting for it
        done.set()
        process.kill()
        raise
    except protocol.FrameError as error:
        outcome = Malformed(str(error))
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, MemoryError,
            RecursionError) as error:  # a frame read no check foresaw: still its fault
        outcome = Malformed(f"an unreadable reply ({type(error).__name__})")
    except (EOFError, OSError):
        outcome = None
    finally:
        done.set()
        watcher.join()
        process.last_cpu = process.cpu()
        used, wall = spent(process.last_cpu), time.monotonic() - start_wall_of()
    if outcome is None or isinstance(outcome, Malformed):
        if outcome is None and not stopped:
            try:  # it ended by itself: let its exit status arrive before any kill
                process.popen.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        process.kill()
        if stopped and isinstance(stopped[0], TimedOut):
            outcome = stopped[0]
        elif outcome is None:
            outcome = process.exit()
            outcome.why = stopped[0] if stopped else ""
    return outcome, used, wall


def answer_call_backs(process: _Process, callbacks: CallBacks, header: dict, arrays: dict,
                      limits: Limits) -> tuple[dict, dict]:
    """Answer the worker's call-back frames, the first being ``header`` and ``arrays``, until a
    frame that is not one (the reply), which is returned."""
    while "callback" in header:
        answer, out = callbacks.answer(header, arrays)
        protocol.write_frame(process.requests, answer, out)
        header, arrays = protocol.read_frame(process.replies, limits.reply_bytes)
    return header, arrays


def reply_outcome(header: dict, arrays: dict):
    """A validated reply as Returned (its header as the value) or Raised."""
    printed = protocol.field(header, "printed", dict, {}, required=False)
    text = _printed_text(printed)
    if protocol.field(header, "ok", bool, False, required=False) or header.get("ready"):
        reply = Returned(header, text)
        reply.arrays = arrays
        return reply
    error = protocol.field(header, "error", dict)
    line, errno, where = error.get("line"), error.get("errno"), error.get("where")
    bases = protocol.field(error, "bases", list, [], required=False)
    return Raised(protocol.field(error, "type", str)[:100],
                  protocol.field(error, "message", str, "", required=False)[:500],
                  [protocol.text(str(b))[:100] for b in bases[:20]],
                  line if type(line) is int else None,
                  errno if type(errno) is int else None, text,
                  protocol.text(where)[:200] if isinstance(where, str) else None)


def _note(note) -> dict:
    """A note on a notebook as plain data: at most 8 names, each of a string, a number, None or
    a list of strings; FrameError if it is not that."""
    if not isinstance(note, dict) or len(note) > 8:
        raise protocol.FrameError("a note that is not a small object")
    kept = {}
    for key, value in note.items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = [protocol.text(v)[:100] for v in value[:20]]
        elif isinstance(value, str):
            value = protocol.text(value)[:200]
        elif value is not None and type(value) is not int:
            raise protocol.FrameError(f"a note's {protocol.text(str(key))[:50]!r} of type "
                                      f"{type(value).__name__}")
        kept[protocol.text(str(key))[:50]] = value
    return kept


def _printed_text(printed: dict) -> str:
    head = protocol.field(printed, "head", str, "", required=False)
    tail = protocol.field(printed, "tail", str, "", required=False)
    dropped = protocol.field(printed, "dropped", int, 0, required=False)
    if dropped > 0:
        return f"{head}\n[... output truncated: {dropped} characters not shown ...]\n{tail}"
    return head + tail
