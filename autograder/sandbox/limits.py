"""Limits for one submission as a whole: memory, processes, CPU time, files, and cleaning up.

The worker applies the rlimits to itself (:func:`apply`) before anything else; the seccomp layer
lets it start no process and no thread, so its memory limit is the whole submission's. Where the
grader may create a cgroup v2 (:class:`Cgroup`), the submission also gets ``memory.max``,
``pids.max`` and ``cpu.max``, and ``cgroup.kill`` ends everything at once. As root, every worker
runs under a uid of its own (:func:`next_uid`), and :func:`kill_uid` ends every process of that
uid when grading is over.

The worker imports this file too (it is copied beside it): standard library only.
"""

import ctypes
import itertools
import os
import resource
import signal
from dataclasses import dataclass

# As root, each worker runs as its own uid from this range: it owns no file of the grader and
# shares no uid (so no files, no signals, no process count) with another submission's worker.
SANDBOX_UIDS = range(200_000, 1_200_000)


def uids_of(pid: int, count: int = 64) -> list[int]:
    """The first ``count`` uids a grader process ``pid`` gives its workers, in order."""
    first = (pid * 97) % len(SANDBOX_UIDS)
    return [SANDBOX_UIDS[(first + k) % len(SANDBOX_UIDS)] for k in range(count)]


_counter = {}  # pid -> its uid counter: a process forked from a warm one must not share it


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Calls are budgeted in CPU seconds, with a wall-clock ceiling
    (``wall_factor`` times the CPU budget) for code that sleeps or waits."""

    memory_bytes: int = 2 << 30
    threads: int = 32  # threads of the worker, as root (a uid's process count)
    cpu_seconds: int = 600  # the kernel's backstop for the worker process
    file_bytes: int = 16 << 20
    open_files: int = 256
    scratch_bytes: int = 64 << 20  # the private scratch folder, all files together
    load_seconds: float = 20.0
    call_seconds: float = 10.0
    wall_factor: float = 3.0
    total_seconds: float = 240.0  # CPU seconds of all of one submission's calls
    reply_bytes: int = 32 << 20  # arrays of one reply: 30 times the largest a check needs
    output_chars: int = 4000  # printed output kept per call: its start and its end

    def rlimits(self, own_uid: bool) -> dict:
        limits = {"RLIMIT_AS": self.memory_bytes, "RLIMIT_CPU": self.cpu_seconds,
                  "RLIMIT_FSIZE": self.file_bytes, "RLIMIT_NOFILE": self.open_files,
                  "RLIMIT_CORE": 0}
        if own_uid:  # counts every process of the uid: only meaningful for a uid of its own
            limits["RLIMIT_NPROC"] = self.threads
        return limits


def next_uid() -> int:
    """The next uid for a worker of this process (see :func:`uids_of`)."""
    pid = os.getpid()
    counter = _counter.setdefault(pid, itertools.count((pid * 97) % len(SANDBOX_UIDS)))
    return SANDBOX_UIDS[next(counter) % len(SANDBOX_UIDS)]


# -- in the worker ---------------------------------------------------------------------------

def apply(rlimits: dict, parent: int | None, leaving_root: bool = False) -> None:
    """Set the rlimits, give up every capability (a worker left at uid 0 must not be able to
    raise its limits again; one ``leaving_root`` keeps them until :func:`become` takes them),
    and die with the grader (``parent``, if given)."""
    for name, value in rlimits.items():
        resource.setrlimit(getattr(resource, name), (value, value))
    if os.geteuid() == 0 and not leaving_root:
        drop_capabilities()
    die_with_parent()
    if parent is not None and os.getppid() != parent:
        os._exit(70)  # the grader is already gone


def become(uid: int, parent: int | None) -> None:
    """Leave uid 0 for ``uid`` (its group too, no other group) for good, before any student code:
    every capability goes with uid 0. A worker that cannot exits, saying how to fix it."""
    try:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    except OSError as error:
        raise SystemExit(f"the worker could not leave uid 0 for a uid of its own "
                         f"({error.strerror}): give the grader CAP_SETUID and CAP_SETGID, or "
                         f"install its Python where other users can read it (/usr, /opt, /srv)")
    if 0 in (*os.getresuid(), *os.getresgid()) or os.getgroups():
        raise SystemExit("the worker still holds uid or gid 0 after leaving them")
    drop_capabilities()  # none are left with uid 0 gone; this makes sure
    die_with_parent()  # a change of uid clears it
    if parent is not None and os.getppid() != parent:
        os._exit(70)


# -- in the grader ---------------------------------------------------------------------------

def kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (root only): a child takes that uid and signals them all."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for _ in range(3):  # kill(-1) reaches every process of the uid but the caller
                os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        os._exit(0)
    os.waitpid(pid, 0)


def drop_capabilities() -> None:
    """Empty this process's effective, permitted and inheritable capabilities (capset)."""
    libc = ctypes.CDLL(None, use_errno=True)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # two sets of (effective, permitted, inheritable), all zero
    number = {"x86_64": 126, "aarch64": 91}.get(os.uname().machine)
    if number is None or libc.syscall(ctypes.c_long(number), header, data) != 0:
        raise SystemExit("the worker could not give up its capabilities")


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Have the kernel send this process ``sig`` when its parent dies (Linux)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, int(sig))  # PR_SET_PDEATHSIG


def cpu_seconds(pid: int) -> float | None:
    """CPU time used so far by ``pid`` and every process below it, None if it cannot be read."""
    total = 0.0
    for current in process_tree(pid):
        seconds = _stat_seconds(lambda: _read(f"/proc/{current}/stat"))
        if seconds is None and current == pid:
            return None
        total += seconds or 0.0
    return total


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it now, ``pid`` first."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.append(current)
        try:
            stack.extend(int(child) for child in
                         _read(f"/proc/{current}/task/{current}/children").split())
        except (OSError, ValueError):
            pass
    return found


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _stat_seconds(read) -> float | None:
    """A process's utime + stime from its /proc stat line (``read()`` gives it), or None."""
    try:
        fields = read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class ProcessClock:
    """The CPU time of a set of processes that can no longer grow (a worker under seccomp starts
    none), read through their /proc stat files held open: one read a process, and a descriptor
    that stays with its process (a pid used again later is not read in its place)."""

    def __init__(self, pid: int):
        self.fds = []
        for current in process_tree(pid):
            try:
                self.fds.append(os.open(f"/proc/{current}/stat", os.O_RDONLY | os.O_CLOEXEC))
            except OSError:
                if current == pid:
                    raise

    def seconds(self) -> float | None:
        """Their CPU seconds so far, None once the first (the one asked for) cannot be read."""
        total = 0.0
        for number, fd in enumerate(self.fds):
            seconds = _stat_seconds(lambda: os.pread(fd, 4096, 0))
            if seconds is None and number == 0:
                return None
            total += seconds or 0.0
        return total

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []


class Cgroup:
    """A cgroup v2 for one submission, where this process may create one; else ``None``."""

    def __init__(self, path: str):
        self.path = path

    @classmethod
    def create(cls, name: str, limits: Limits) -> "Cgroup | None":
        base = _delegated_cgroup()
        if base is None:
            return None
        path = os.path.join(base, name)
        try:
            os.mkdir(path)
            cgroup = cls(path)
            cgroup.write("memory.max", str(limits.memory_bytes))
            cgroup.write("pids.max", str(limits.threads + 8))
            cgroup.write("cpu.max", "100000 100000")  # at most one core
            return cgroup
        except OSError:
            try:
                os.rmdir(path)
            except OSError:
                pass
            return None

    def write(self, name: str, value: str) -> None:
        with open(os.path.join(self.path, name), "w") as handle:
            handle.write(value)

    def add(self, pid: int) -> None:
        self.write("cgroup.procs", str(pid))

    def close(self) -> None:
        try:
            self.write("cgroup.kill", "1")
        except OSError:
            pass
        for _ in range(50):
            try:
                os.rmdir(self.path)
                return
            except OSError:
                import time
                time.sleep(0.02)


def cgroup_available() -> bool:
    return _delegated_cgroup() is not None


def _delegated_cgroup() -> str | None:
    """The cgroup v2 folder under which this process may make children with memory and pids
    controllers enabled, or None (cgroup v1, no delegation, controllers not enabled)."""
    try:
        with open("/proc/self/cgroup") as handle:
            lines = [line.strip() for line in handle if line.startswith("0::")]
        with open("/proc/self/mounts") as handle:
            mounts = [line.split()[1] for line in handle if line.split()[2] == "cgroup2"]
    except OSError:
        return None
    if not lines or not mounts:
        return None
    own = os.path.join(mounts[0], lines[0][3:].lstrip("/"))
    try:
        with open(os.path.join(own, "cgroup.subtree_control")) as handle:
            enabled = handle.read().split()
    except OSError:
        return None
    if {"memory", "pids", "cpu"} <= set(enabled) and os.access(own, os.W_OK):
        return own
    return None
