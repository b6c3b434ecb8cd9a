"""Which isolation this machine allows, found by starting a real worker.

The modes (modes/, strongest first) are tried in turn: a mode is chosen when a worker started
with exactly the command grading will use says "ready" (a trivial module, within
:data:`PROBE_SECONDS`); one that cannot run, or whose worker dies first, is passed over, and why
is kept in :attr:`Isolation.missing`. ``detect(forced=NAME)`` takes that mode or raises
:class:`SandboxUnavailable`; ``without`` leaves modes out. What the probes found is kept for the
life of the process (a mode whose worker later dies before "ready" is marked broken:
:func:`fall_back`), so only the first grading in a process pays for them. ``probe=False``
starts no worker: it takes the strongest mode not yet known to fail here, and the first
grading worker is its probe (a :class:`Sandbox` falls back from a mode whose worker dies before
"ready", and marks one whose worker got ready as probed), so one grading in a fresh process
starts one worker, not two.

As root, student code runs under a uid of its own in every mode: the worker is started under it
when that uid can read the Python installation; otherwise (an installation under /root) it starts
as root and leaves uid 0 for it once it has loaded what it needs, before any student code. A
worker that cannot leave uid 0 dies before "ready", saying why: the mode is not taken.
"""

import os

from . import client, landlock, seccomp
from .isolation import Isolation, SandboxUnavailable
from .limits import Limits, cgroup_available
from .modes import NAMES, REGISTRY, Mode

PROBE_SECONDS = 10.0  # CPU seconds a probing worker may take to load nothing (wall: 3 times)
_probed = {}  # (mode name, own uid) -> None if its worker got ready, else why not (one line)
_chosen = {}  # detect()'s arguments -> the Isolation it returned


def detect(forced: str | None = None, without=(), hidden=(), probe: bool = True) -> Isolation:
    """The strongest isolation whose worker starts here, of the registry's modes but those in
    ``without``; with ``forced`` (a mode's name), that one or SandboxUnavailable. ``hidden``
    is what grading will hide (the probe starts its worker with the same command). With
    ``probe`` false and no mode forced, no worker is started: the strongest mode that can run
    at all and was not found failing is taken, for a :class:`Sandbox` to fall back from."""
    if forced is not None and forced not in NAMES:
        raise ValueError(f"{forced!r} is not a mode: one of {', '.join(NAMES)}")
    probe = probe or forced is not None
    key = (forced, tuple(without), tuple(map(str, hidden)), probe)
    if key not in _chosen:
        _chosen[key] = _choose(forced, tuple(without), hidden, probe)
    return _chosen[key]


def _choose(forced, without, hidden, probing: bool = True) -> Isolation:
    passed_over = []
    for mode in REGISTRY:
        if mode.name in without or forced not in (None, mode.name):
            continue
        isolation = _isolation(mode, forced is not None, passed_over, without)
        key = (isolation.name, isolation.own_uid)
        why = probe(isolation, hidden) if probing else (
            _probed[key] if key in _probed else mode.unavailable())
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
    limits = Limits(load_seconds=PROBE_SECONDS)
    try:
        with client.Sandbox(client.Module(b""), isolation, limits, hidden,
                            prefix="sandbox-probe-") as box:
            loaded = box.start()
    except client.NotReady as error:
        return error.why
    except OSError as error:  # the command itself could not be started
        return f"its worker could not be started ({error.strerror or error})"
    return None if isinstance(loaded, client.Loaded) else f"its worker could not load a module ({loaded})"


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
    leaves_root = root and mode.own_uid_blocker() is not None
    layers = mode.layers()
    missing = [f"{name} ({why})" for name, why in passed_over]
    if not landlock.abi_version() and "landlock" not in dict(passed_over):
        missing.append("landlock (this kernel has none: Linux 5.13 or newer has it)")
    if mode.seccomp and not seccomp.supported():
        missing.append("seccomp (no system call table for this architecture)")
    layers.append("own uid" if root else "grader's uid")
    if cgroup_available():
        layers.append("cgroup")
    else:
        missing.append("cgroup v2 (none delegated here: memory and processes are limited "
                       "through the worker's single process instead)")
    return Isolation(mode, root, tuple(layers), tuple(dict.fromkeys(missing)), forced,
                     tuple(passed_over), tuple(without), leaves_root)


_next_mode = fall_back  # the Sandbox below names its switch after it


class Sandbox(client.Sandbox):
    """A :class:`client.Sandbox` whose worker, if it dies before "ready", is started again in
    the next mode that starts here (:func:`fall_back`; ``isolation`` then says which, and its
    ``missing`` why), unless the mode was forced or ``fall_back`` is false."""

    def __init__(self, module: client.Module, isolation: Isolation, limits: Limits = Limits(),
                 hidden=(), prefix: str = "sandbox-worker-", fall_back: bool = True):
        super().__init__(module, isolation, limits, hidden, prefix,
                         _next_mode if fall_back else None)

    def _ready(self) -> None:
        super()._ready()  # a worker of this isolation said "ready": the mode is probed
        _probed.setdefault((self.isolation.name, self.isolation.own_uid), None)
