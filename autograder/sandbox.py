"""Run a submission's functions in a separate, locked-down worker process.

The grader never imports student code. A :class:`Worker` starts ``worker.py`` under bubblewrap
(new PID, network, IPC and mount namespaces; a read-only view of only the Python installation,
its packages, the worker's two files and this one submission; a private /tmp; capabilities
dropped; dies with its parent), with resource limits, and as root it drops to an unprivileged
user. Each call has a wall-clock timeout enforced from here by killing the worker's whole
process group. A worker that dies or times out is replaced on the next call, and a function that
timed out is not called again, so one broken function costs only its own tests.

Where bubblewrap cannot run, :func:`detect_isolation` picks the strongest fallback and says so.
"""

import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import paths, protocol

# As root, each worker runs as its own uid from this range: it owns no file of the grader and
# shares no uid (so no files, no signals, no process limit) with another submission's worker.
SANDBOX_UIDS = range(200_000, 1_200_000)
_next_uid = itertools.count((os.getpid() * 97) % len(SANDBOX_UIDS))
WORKER_FILES = ("worker.py", "protocol.py")


@dataclass(frozen=True)
class Limits:
    """Resource limits for one worker process, and timeouts enforced from outside."""

    memory_bytes: int = 2 << 30
    cpu_seconds: int = 600
    processes: int = 64
    file_bytes: int = 16 << 20
    open_files: int = 256
    scratch_bytes: int = 64 << 20
    load_seconds: float = 20.0
    call_seconds: float = 10.0
    total_seconds: float = 240.0  # all of one submission's calls: later ones are not made
    reply_bytes: int = 256 << 20

    def rlimits(self) -> dict:
        return {"RLIMIT_AS": self.memory_bytes, "RLIMIT_CPU": self.cpu_seconds,
                "RLIMIT_NPROC": self.processes, "RLIMIT_FSIZE": self.file_bytes,
                "RLIMIT_NOFILE": self.open_files, "RLIMIT_CORE": 0}


@dataclass(frozen=True)
class Isolation:
    """How student code is isolated on this machine, and what that means."""

    mode: str  # "bubblewrap", "unprivileged-user" or "process-only"
    note: str

    @property
    def strong(self) -> bool:
        return self.mode == "bubblewrap"


# Folders student code must never read: the reference, the hidden suites, the hidden images.
HIDDEN = ("solutions", "autograder/suites", "autograder/hidden_data")


def detect_isolation() -> Isolation:
    """Choose the strongest isolation this machine allows (checked by running it once).

    ``KMEANS_SANDBOX=fallback`` in the environment skips bubblewrap, to test the fallback.
    """
    forced = os.environ.get("KMEANS_SANDBOX", "auto") == "fallback"
    bwrap = None if forced else shutil.which("bwrap")
    if forced:
        reason = "KMEANS_SANDBOX=fallback is set"
    elif bwrap:
        probe = subprocess.run([bwrap, *_bwrap_namespaces(), "--ro-bind", "/", "/", "true"],
                               capture_output=True, text=True)
        if probe.returncode == 0:
            return Isolation("bubblewrap", "student code ran under bubblewrap: no network, "
                             "no view of the grader's files, resource limits")
        reason = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else "it failed"
    else:
        reason = "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    if os.geteuid() == 0:
        protect_hidden_files()
        return Isolation("unprivileged-user", f"WARNING: bubblewrap cannot run ({reason}); "
                         f"student code ran as an unprivileged user with resource limits, with "
                         f"the reference and hidden tests made unreadable to it, but with the "
                         f"network and the machine's world-readable files in reach")
    return Isolation("process-only", f"WARNING: bubblewrap cannot run ({reason}) and the grader "
                     f"is not root; student code ran in a separate process with resource limits "
                     f"only: it could read this user's files and reach the network. Do not grade "
                     f"untrusted submissions like this")


def protect_hidden_files() -> None:
    """Take every permission for other users off the hidden folders (fallback isolation)."""
    for folder in HIDDEN:
        top = paths.ROOT / folder
        if not top.exists():
            continue
        for path in [top, *top.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode & ~0o007)


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Have the kernel send this process ``sig`` when its parent dies (Linux).

    Called in the worker before exec (fallback isolation), and by a grader a batch started.
    """
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, int(sig))  # PR_SET_PDEATHSIG


def _bwrap_namespaces() -> list[str]:
    # As root, no user namespace: the worker must be able to drop to a real unprivileged uid.
    spaces = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
              "--unshare-cgroup-try"]
    return spaces if os.geteuid() == 0 else ["--unshare-user", *spaces]


def _python_roots() -> list[str]:
    """Folders the worker's Python needs: the installation, the venv, their packages.

    Nothing inside the project is mounted except a virtual environment kept there.
    """
    roots = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        if real and os.path.isdir(real) and real != "/" and "site-packages" in real:
            roots.add(real)
    project = str(paths.ROOT)
    keep = {root for root in roots
            if not (root == project or root.startswith(project + os.sep))
            or root.startswith(os.path.realpath(sys.prefix))}
    # Drop folders already inside another mounted folder.
    return sorted(r for r in keep if not any(r != o and r.startswith(o + os.sep) for o in keep))


class GraderError(BaseException):
    """A failure of the grader itself while calling into the sandbox.

    A BaseException, so the checks' ``except Exception`` never mistakes it for the student's.
    """


class StudentFault(Exception):
    """The submission failed in a way that is its own fault; ``student_message`` says how."""

    def __init__(self, student_message: str):
        super().__init__(student_message)
        self.student_message = student_message


class StudentTimeout(StudentFault):
    """A call did not finish within its wall-clock limit."""


@dataclass
class Reply:
    """One call's outcome, validated."""

    value: object = None
    modified: list = field(default_factory=list)
    views: list = field(default_factory=list)
    output: str = ""


class Worker:
    """One submission's sandboxed worker process, restarted as needed."""

    def __init__(self, submission: Path, isolation: Isolation, limits: Limits = Limits()):
        self.submission = Path(submission)  # a folder holding kmeans.py, nothing else
        self.isolation = isolation
        self.limits = limits
        self.process = None
        self.functions = None  # names the submission defines, once loaded
        self.load_error = None  # a message, if the submission does not load
        self.load_output = ""
        self.timed_out = {}  # function name -> message, never called again
        self.used_seconds = 0.0  # wall-clock time of all calls so far (restarts included)
        self.out_of_time = False  # True once total_seconds ran out: no call is made after
        self.restarts = 0
        self.uid = SANDBOX_UIDS[next(_next_uid) % len(SANDBOX_UIDS)] if os.geteuid() == 0 else None
        # The worker's own files: its code, and (without bubblewrap) the submission and a
        # scratch folder, in a folder only the worker's uid can enter.
        self._stage = Path(tempfile.mkdtemp(prefix="kmeans-worker-"))
        for name in WORKER_FILES:
            shutil.copy2(Path(__file__).with_name(name), self._stage / name)
        if not isolation.strong:
            (self._stage / "submission").mkdir()
            shutil.copy2(self.submission / "kmeans.py", self._stage / "submission" / "kmeans.py")
            self.submission = self._stage / "submission"
            (self._stage / "scratch").mkdir()
        for path in [self._stage, *self._stage.rglob("*")]:
            if self.uid is not None:
                os.chown(path, self.uid, self.uid)
            path.chmod(0o700 if path.is_dir() else 0o600)
        if isolation.strong:
            self._stage.chmod(0o755)  # mounted read-only; nothing private in it
            for name in WORKER_FILES:
                (self._stage / name).chmod(0o644)

    # -- lifecycle ---------------------------------------------------------------------------

    def _command(self, settings_json: str) -> list[str]:
        python = sys.executable
        worker = "/sandbox/worker/worker.py"
        if self.isolation.mode != "bubblewrap":
            return [python, "-I", "-B", str(self._stage / "worker.py"), settings_json]
        command = [shutil.which("bwrap"), *_bwrap_namespaces(), "--die-with-parent",
                   "--new-session", "--cap-drop", "ALL"]
        if os.geteuid() == 0:
            command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            host = Path("/") / top
            if host.is_symlink():
                command += ["--symlink", os.readlink(host), str(host)]
            elif host.is_dir():
                command += ["--ro-bind", str(host), str(host)]
        # The private /tmp first: a later bind may live under /tmp (a venv there, say).
        command += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size",
                    str(self.limits.scratch_bytes), "--tmpfs", "/tmp"]
        binds = [(root, root) for root in _python_roots()]
        binds += [(str(self._stage), "/sandbox/worker"), (str(self.submission), "/sandbox/submission")]
        # bwrap would make missing parent folders readable by root only: make them 0755 first.
        parents = sorted({str(parent) for _, target in binds for parent in Path(target).parents
                          if str(parent) not in ("/", "/tmp")
                          and Path(parent).parts[1] not in ("usr", "bin", "sbin", "lib", "lib64",
                                                            "proc", "dev")})
        for parent in parents:
            command += ["--perms", "0755", "--dir", parent]
        for source, target in binds:
            command += ["--ro-bind", source, target]
        command += ["--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
                    "--chdir", "/tmp", "--", python, "-I", "-B", worker, settings_json]
        return command

    def _environment(self) -> dict:
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LC_ALL": "C.UTF-8"}
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = "1"  # one thread: predictable memory and no threads to count
        return env

    def start(self) -> None:
        """Start a worker and load the submission in it."""
        import json

        requests_r, requests_w = os.pipe()
        replies_r, replies_w = os.pipe()
        inside = "/sandbox/submission" if self.isolation.strong else str(self.submission)
        scratch = "/tmp/work" if self.isolation.strong else str(self._stage / "scratch")
        settings = {"source": f"{inside}/kmeans.py", "scratch": scratch,
                    "fds": [requests_r, replies_w], "rlimits": self.limits.rlimits(),
                    "uid": self.uid}
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            self._command(json.dumps(settings)), stdin=subprocess.DEVNULL,
            stdout=self._stderr, stderr=self._stderr, pass_fds=(requests_r, replies_w),
            start_new_session=True, env=self._environment(), cwd="/",
            preexec_fn=None if self.isolation.strong else die_with_parent)
        os.close(requests_r)
        os.close(replies_w)
        self._requests, self._replies = requests_w, replies_r
        header, _ = self._exchange(None, self.limits.load_seconds, " while loading")
        self.load_output = header.get("output", "")
        if header.get("ok"):
            self.functions = set(header["functions"])
        else:
            self.load_error = _load_message(header["error"])
            self.functions = set()

    def _exchange(self, request, seconds: float, doing: str = ""):
        """Send a request (None: only wait for the greeting); return the reply frame.

        ``doing`` ends the messages of what went wrong, after the name of what failed
        (``kmeans.py`` or the function): " while loading", or nothing for a call.
        """
        killed = threading.Event()

        def kill():
            killed.set()
            self._kill()

        timer = threading.Timer(seconds, kill)
        timer.start()
        try:
            if request is not None:
                header, arrays = request
                protocol.write_frame(self._requests, header, arrays)
            return protocol.read_frame(self._replies, self.limits.reply_bytes)
        except (EOFError, BrokenPipeError, OSError, protocol.FrameError) as error:
            timer.cancel()
            if not killed.is_set() and not isinstance(error, protocol.FrameError):
                try:  # the worker ended by itself: let its exit status arrive before any kill
                    self.process.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
            self._kill()
            if killed.is_set():
                raise StudentTimeout(f"did not finish within {seconds:g} s{doing} (an endless "
                                     f"loop, or far too slow?)") from None
            if isinstance(error, protocol.FrameError):
                raise StudentFault(f"sent back {error}{doing}") from None
            raise StudentFault(f"stopped the process it ran in{doing} ({self._death()})") from None
        finally:
            timer.cancel()

    def _death(self) -> str:
        code = self.process.wait() if self.process else None
        if code is None:
            return "it stopped"
        # A signal's death shows as -signal, or under bubblewrap as 128 + signal.
        number = -code if code < 0 else code - 128 if self.isolation.strong and code > 128 else 0
        if number in set(signal.Signals):
            name = signal.Signals(number).name
            why = {"SIGSEGV": "a crash in native code", "SIGKILL": "killed: out of memory or "
                   "time?", "SIGXCPU": "CPU time limit", "SIGXFSZ": "it wrote too large a file",
                   "SIGABRT": "a crash in native code"}
            return f"it died from {name}: {why.get(name, 'a signal')}"
        return f"it exited with status {code}: does kmeans.py call os._exit()?"

    def _kill(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()

    def stop(self) -> None:
        for fd in ("_requests", "_replies"):
            if getattr(self, fd, None) is not None:
                try:
                    os.close(getattr(self, fd))
                except OSError:
                    pass
                setattr(self, fd, None)
        self._kill()
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._stage, ignore_errors=True)

    # -- calls -------------------------------------------------------------------------------

    def call(self, name: str, args: tuple, kwargs: dict, seconds: float | None = None) -> Reply:
        """Call the submission's ``name`` in the worker and return its validated reply."""
        if name in self.timed_out:
            raise StudentFault(self.timed_out[name])
        if self.used_seconds >= self.limits.total_seconds:
            self.out_of_time = True
            raise StudentFault(
                f"was not run: the functions of kmeans.py took {self.used_seconds:.0f} s in all, "
                f"and a submission gets {self.limits.total_seconds:g} s, so the remaining checks "
                f"were skipped (is something far too slow?)")
        started = time.monotonic()
        try:
            return self._call(name, args, kwargs, seconds)
        finally:
            self.used_seconds += time.monotonic() - started

    def _call(self, name: str, args: tuple, kwargs: dict, seconds: float | None) -> Reply:
        if self.process is None or self.process.poll() is not None:
            if self.process is not None:
                self.restarts += 1
                self.stop()
            self.start()
        arrays = {}
        encoded_args = [_encode(a, arrays) for a in args]
        encoded_kwargs = {k: _encode(v, arrays) for k, v in kwargs.items()}
        request = ({"call": name, "args": encoded_args, "kwargs": encoded_kwargs}, arrays)
        seconds = seconds or self.limits.call_seconds
        try:
            header, out = self._exchange(request, seconds)
        except StudentFault as fault:
            self.stop()
            if isinstance(fault, StudentTimeout):
                self.timed_out[name] = (f"{fault.student_message}; it was stopped and not run "
                                        f"again for later checks")
            raise
        if not header.get("ok"):
            raise _student_exception(header.get("error", {}), self.limits)
        return Reply(_decode(header.get("result"), out), header.get("modified", []),
                     header.get("views", []), header.get("output", ""))


def _encode(value, arrays):
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"array": key}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.random.Generator):
        return {"generator": value.bit_generator.state}  # rebuilt in the worker, same stream
    return value


class Foreign:
    """Stands in for a returned object that cannot cross the boundary as data."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __repr__(self):
        return self.text


def _decode(spec, arrays):
    """Rebuild a returned value from its description, validating it."""
    if not isinstance(spec, dict):
        return Foreign("unknown", "an unreadable value")
    kind = spec.get("kind")
    if kind == "ndarray" and spec.get("key") in arrays:
        array = arrays[spec["key"]]
        if spec.get("type") == "numpy.ndarray":
            return array
        if spec.get("type") == "numpy.matrix" and array.ndim == 2:
            return np.asmatrix(array)
        return Foreign(str(spec.get("type")), f"a {spec.get('type')} (a subclass of ndarray)")
    if kind == "json":
        return spec.get("value")
    if kind == "scalar":
        return np.array(spec.get("value"))[()]
    if kind == "sequence":
        items = [_decode(item, arrays) for item in spec.get("items", [])]
        return tuple(items) if spec.get("type") == "builtins.tuple" else items
    return Foreign(str(spec.get("type")), str(spec.get("repr", ""))[:200])


BUILTIN_ERRORS = {cls.__name__: cls for cls in (
    ValueError, TypeError, IndexError, KeyError, ZeroDivisionError, NotImplementedError,
    AttributeError, NameError, UnboundLocalError, RuntimeError, RecursionError, AssertionError,
    FloatingPointError, OverflowError, MemoryError, ArithmeticError, LookupError)}


def _student_exception(error: dict, limits: Limits) -> Exception:
    """The exception the student's function raised, rebuilt from its description."""
    name, message = str(error.get("type", "Exception")), str(error.get("message", ""))[:500]
    line = error.get("line")
    where = f" (kmeans.py line {line})" if line else ""
    if message.startswith("[Errno 27]"):  # EFBIG: past the file size limit
        where += (f": a submission may write at most {limits.file_bytes >> 20} MiB, what it "
                  f"prints included")
    if name == "SystemExit":
        return StudentFault(f"called sys.exit() or exit(){where}: return a value instead")
    for base in [name, *error.get("bases", [])]:
        if base in BUILTIN_ERRORS:
            exception = BUILTIN_ERRORS[base](message)
            exception.student_message = f"raised {name}: {message}{where}"
            return exception
    return StudentFault(f"raised {name}: {message}{where}")


def _load_message(error: dict) -> str:
    name, message, line = error.get("type"), error.get("message", ""), error.get("line")
    where = f"line {line}: " if line else ""
    if name == "ModuleNotFoundError":
        return (f"kmeans.py could not be loaded ({where}{name}: {message}). Only numpy, "
                f"matplotlib, pillow and the standard library are available to submissions, "
                f"and only kmeans.py is graded: put any helper code in kmeans.py itself.")
    if name == "SystemExit":
        return f"kmeans.py called sys.exit() or exit() while loading ({where.rstrip(': ')})."
    return f"kmeans.py could not be loaded ({where}{name}: {message})."


class Submission:
    """The student module as the tests see it: attribute access calls into the worker.

    ``getattr(submission, name)`` is None for a function the file does not define, so the checks
    report it as missing and grade the others.
    """

    def __init__(self, worker: Worker):
        self._worker = worker
        self.last_reply = None
        self.time_limits = {}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        worker = self._worker
        if worker.functions is None:
            try:
                worker.start()
            except StudentFault as fault:
                worker.load_error = f"kmeans.py {fault.student_message}"
                worker.functions = set()
        if name not in worker.functions:
            return None

        def function(*args, **kwargs):
            try:
                reply = worker.call(name, args, kwargs, self.time_limits.get(name))
            except Exception as error:
                if getattr(error, "student_message", None):
                    raise  # the submission's own failure, described for the student
                raise GraderError(f"calling {name} in the sandbox failed: {error!r}") from error
            self.last_reply = reply
            return reply.value

        function.__name__ = name
        return function

