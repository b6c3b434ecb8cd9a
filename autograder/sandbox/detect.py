"""Which isolation this machine allows, found by starting a real worker; what a worker may read.

The modes (modes/, strongest first) are tried in turn: a mode is chosen when a worker started
with exactly the command grading will use says "ready" (a trivial module, within
:data:`PROBE_SECONDS`); one that cannot run, or whose worker dies first, is passed over, and why
is kept in :attr:`Isolation.missing`. ``detect(forced=NAME)`` takes that mode or raises
:class:`SandboxUnavailable`; ``without`` leaves modes out. What the probes found is kept for the
life of the process (a mode whose worker later dies before "ready" is marked broken:
:func:`fall_back`), so only the first grading in a process pays for them.

As root, the worker runs under a uid of its own in every mode, when that uid can read the
Python installation; otherwise it keeps the grader's uid.
"""

import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from . import landlock, seccomp
from .limits import Limits, cgroup_available
from .modes import NAMES, REGISTRY, Mode

SYSTEM_LIBRARIES = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/etc/ld.so.cache")
PROBE_SECONDS = 10.0  # CPU seconds a probing worker may take to load nothing (wall: 3 times)
_probed = {}  # (mode name, own uid) -> None if its worker got ready, else why not (one line)
_chosen = {}  # detect()'s arguments -> the Isolation it returned


class SandboxUnavailable(RuntimeError):
    """The mode asked for cannot run here: ``mode`` and ``why`` (one line) say which and why."""

    def __init__(self, mode: str, why: str):
        super().__init__(f"{mode}: {why}")
        self.mode, self.why = mode, why


@dataclass(frozen=True)
class Isolation:
    """How student code is isolated on this machine: the data the caller words."""

    mode: Mode
    own_uid: bool
    layers: tuple = ()  # what is enforced, e.g. ("bubblewrap", "landlock 7", "seccomp", ...)
    missing: tuple = ()  # layers and stronger modes this machine lacks, each with why
    forced: bool = False  # the caller asked for this mode: never fall back from it
    passed_over: tuple = ()  # (name, why) of each stronger mode that could not run
    without: tuple = ()  # the modes the caller left out

    @property
    def name(self) -> str:
        return self.mode.name

    @property
    def strongest(self) -> bool:
        """The strongest mode this package has (the first of the registry)."""
        return self.mode is REGISTRY[0]

    @property
    def landlock(self) -> bool:
        return any(layer.startswith("landlock") for layer in self.layers)

    @property
    def seccomp(self) -> bool:
        return "seccomp" in self.layers


def detect(forced: str | None = None, without=(), hidden=()) -> Isolation:
    """The strongest isolation whose worker starts here, of the registry's modes but those in
    ``without``; with ``forced`` (a mode's name), that one or SandboxUnavailable. ``hidden``
    is what grading will hide (the probe starts its worker with the same command)."""
    if forced is not None and forced not in NAMES:
        raise ValueError(f"{forced!r} is not a mode: one of {', '.join(NAMES)}")
    key = (forced, tuple(without), tuple(map(str, hidden)))
    if key not in _chosen:
        _chosen[key] = _choose(forced, tuple(without), hidden)
    return _chosen[key]


def _choose(forced, without, hidden) -> Isolation:
    passed_over = []
    for mode in REGISTRY:
        if mode.name in without or forced not in (None, mode.name):
            continue
        isolation = _isolation(mode, forced is not None, passed_over, without)
        why = probe(isolation, hidden)
        if why is None:
            return isolation
        if forced:
            raise SandboxUnavailable(mode.name, why)
        passed_over.append((mode.name, why))
    raise SandboxUnavailable(passed_over[-1][0] if passed_over else "auto",
                             "; ".join(f"{name}: {why}" for name, why in passed_over)
                             or "every mode was left out")


def probe(isolation: Isolation, hidden=()) -> str | None:
    """None if a worker of this isolation starts and says "ready" (within PROBE_SECONDS), else
    why not (one line). Kept for the process: a mode is probed once."""
    key = (isolation.name, isolation.own_uid)
    if key not in _probed:
        _probed[key] = isolation.mode.unavailable() or _start(isolation, hidden)
    return _probed[key]


def _start(isolation: Isolation, hidden) -> str | None:
    from .client import Loaded, Module, NotReady, Sandbox

    limits = Limits(load_seconds=PROBE_SECONDS)
    try:
        with Sandbox(Module(b""), isolation, limits, hidden, prefix="sandbox-probe-",
                     fall_back=False) as box:
            loaded = box.start()
    except NotReady as error:
        return error.why
    except OSError as error:  # the command itself could not be started
        return f"its worker could not be started ({error.strerror or error})"
    return None if isinstance(loaded, Loaded) else f"its worker could not load a module ({loaded})"


def probed() -> dict:
    """What this process's probes found, as plain data: {"MODE own-uid|grader-uid": None or why},
    for :func:`remember` in a process this one starts (so that it need not probe again)."""
    return {f"{name} {'own-uid' if own else 'grader-uid'}": why
            for (name, own), why in _probed.items()}


def remember(found: dict) -> None:
    """Take what another process's probes found (:func:`probed`) as this process's own. A mode
    taken on its word whose worker then dies before "ready" is still fallen back from."""
    for key, why in found.items() if isinstance(found, dict) else ():
        name, _, uid = str(key).partition(" ")
        if name in NAMES and uid in ("own-uid", "grader-uid") and (why is None or
                                                                isinstance(why, str)):
            _probed.setdefault((name, uid == "own-uid"), why)


def fall_back(isolation: Isolation, why: str, hidden=()) -> Isolation | None:
    """A worker of ``isolation`` died before "ready" (``why``): mark its mode broken for this
    process and return the next mode that starts here (its ``missing`` saying why), or None
    when the mode was forced or none is left."""
    _probed[(isolation.name, isolation.own_uid)] = why
    _chosen.clear()
    if isolation.forced:
        return None
    passed_over = list(isolation.passed_over) + [(isolation.name, why)]
    after = REGISTRY[REGISTRY.index(isolation.mode) + 1:]
    for mode in after:
        if mode.name in isolation.without:
            continue
        candidate = _isolation(mode, False, passed_over, isolation.without)
        reason = probe(candidate, hidden)
        if reason is None:
            return candidate
        passed_over.append((mode.name, reason))
    return None


def _isolation(mode: Mode, forced: bool, passed_over, without) -> Isolation:
    """The Isolation a worker of ``mode`` would have here (its layers, and what is missing)."""
    root = os.geteuid() == 0
    blocker = mode.own_uid_blocker() if root else None
    own_uid = root and blocker is None
    layers = mode.layers()
    missing = [f"{name} ({why})" for name, why in passed_over]
    if not landlock.abi_version() and "landlock" not in dict(passed_over):
        missing.append("landlock (this kernel has none: Linux 5.13 or newer has it)")
    if mode.seccomp and not seccomp.supported():
        missing.append("seccomp (no system call table for this architecture)")
    layers.append("own uid" if own_uid else "grader's uid")
    if root and not own_uid:
        missing.append(f"own uid ({blocker})")
    if cgroup_available():
        layers.append("cgroup")
    else:
        missing.append("cgroup v2 (none delegated here: memory and processes are limited "
                       "through the worker's single process instead)")
    return Isolation(mode, own_uid, tuple(layers), tuple(dict.fromkeys(missing)), forced,
                     tuple(passed_over), tuple(without))


def python_unreadable() -> str | None:
    """Why another uid could not run this Python, or None if it could (every folder on the way
    to the installation and its packages open to others)."""
    for path in {os.path.realpath(sys.executable), sysconfig.get_paths()["stdlib"],
                 *site_folders()}:
        for folder in [Path(path), *Path(path).parents]:
            try:
                mode = folder.stat().st_mode
            except OSError:
                break
            needed = 0o005 if folder == Path(path) else 0o001  # read and enter; enter
            if mode & needed != needed:
                return (f"{folder} is closed to other users, so another uid could not run "
                        f"this Python: install the grader's Python and packages where others can "
                        f"read them (/usr, /opt, /srv) to run workers under their own uid")
    return None


def site_folders() -> list[str]:
    """The folders this Python imports third-party packages from (real paths)."""
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    found = []
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        if (os.path.isdir(real) and ("site-packages" in real or "dist-packages" in real)
                and not real.startswith(stdlib + os.sep) and real not in found):
            found.append(real)
    return found


def readable_paths(hidden=()) -> list[str]:
    """What a worker may read: the interpreter, its standard library, its packages and the system
    libraries, with every path in ``hidden`` (and what it holds) left out."""
    hidden = [os.path.realpath(h) for h in hidden]
    wanted = {os.path.realpath(sys.executable), os.path.realpath(sys.base_prefix),
              os.path.realpath(sys.base_exec_prefix), *site_folders(),
              *(os.path.realpath(p) for p in SYSTEM_LIBRARIES if os.path.exists(p))}
    wanted = {w for w in wanted if not any(w == o or w.startswith(o + os.sep) for o in wanted
                                           if o != w and os.path.isdir(o))}
    allowed = []
    for root in sorted(wanted):
        allowed += _without(root, hidden)
    return allowed


def _without(root: str, hidden: list[str]) -> list[str]:
    """``root``, or its parts when a hidden path lies inside it (recursively). A root inside a
    hidden folder (a virtual environment kept in the project, say) stays: only it is shown."""
    if root in hidden:
        return []
    if not any(h.startswith(root + os.sep) for h in hidden):
        return [root]
    parts = []
    for entry in sorted(os.listdir(root)):
        parts += _without(os.path.join(root, entry), hidden)
    return parts
