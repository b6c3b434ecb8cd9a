"""Which isolation this machine allows, and what a worker may read.

Three modes, strongest first; ``KMEANS_SANDBOX=bubblewrap|landlock|process`` forces one
(``fallback`` means the strongest without bubblewrap), ``auto`` (the default) picks:

- ``bubblewrap``: namespaces of its own (bubblewrap.py), with Landlock, seccomp and the
  limits inside too;
- ``landlock``: no namespaces (a container without user namespaces, a machine without
  bubblewrap): Landlock and seccomp, applied by the worker to itself before any student code;
- ``process``: a kernel without Landlock: seccomp and limits only. Not safe for untrusted code.

As root, the worker runs under a uid of its own in every mode, when that uid can read the
Python installation; otherwise it keeps the grader's uid, and the note says so.
"""

import os
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from . import bubblewrap, landlock, seccomp
from .limits import cgroup_available

MODES = ("bubblewrap", "landlock", "process")
SYSTEM_LIBRARIES = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/etc/ld.so.cache")


class SandboxUnavailable(RuntimeError):
    """The isolation asked for (KMEANS_SANDBOX) cannot run here; the message says why."""


@dataclass(frozen=True)
class Isolation:
    """How student code is isolated on this machine, and what that means."""

    mode: str
    own_uid: bool
    layers: tuple = ()  # what is enforced, e.g. ("bubblewrap", "landlock 7", "seccomp", ...)
    missing: tuple = ()  # layers this machine lacks, each with why
    note: str = ""

    @property
    def landlock(self) -> bool:
        return any(layer.startswith("landlock") for layer in self.layers)

    @property
    def seccomp(self) -> bool:
        return "seccomp" in self.layers


def detect(environ=os.environ) -> Isolation:
    """Choose the strongest isolation this machine allows (bubblewrap is checked by running it)."""
    asked = environ.get("KMEANS_SANDBOX", "auto").strip().lower() or "auto"
    if asked == "fallback":
        asked = "landlock" if landlock.abi_version() else "process"
    if asked not in ("auto", *MODES):
        raise SandboxUnavailable(f"KMEANS_SANDBOX={asked!r} is not a mode: use auto, "
                                 f"{', '.join(MODES)} or fallback")
    abi = landlock.abi_version()
    why_not_bwrap = bubblewrap.probe()
    if asked == "bubblewrap" and why_not_bwrap:
        raise SandboxUnavailable(f"KMEANS_SANDBOX=bubblewrap, but {why_not_bwrap}")
    if asked == "landlock" and not abi:
        raise SandboxUnavailable("KMEANS_SANDBOX=landlock, but this kernel offers no Landlock")
    mode = asked if asked != "auto" else ("bubblewrap" if not why_not_bwrap else
                                          "landlock" if abi else "process")
    root = os.geteuid() == 0
    unreadable = None if mode == "bubblewrap" or not root else python_unreadable()
    own_uid = root and unreadable is None
    layers, missing = [], []
    if mode == "bubblewrap":
        layers.append("bubblewrap")
    elif why_not_bwrap:
        missing.append(f"bubblewrap ({why_not_bwrap})")
    if abi and mode != "process":
        layers.append(f"landlock {abi}")
    elif not abi:
        missing.append("landlock (this kernel has none: Linux 5.13 or newer has it)")
    if seccomp.supported():
        layers.append("seccomp")
    else:
        missing.append(f"seccomp (no system call table for this architecture)")
    layers.append("own uid" if own_uid else "grader's uid")
    if root and not own_uid:
        missing.append(f"own uid ({unreadable})")
    if cgroup_available():
        layers.append("cgroup")
    else:
        missing.append("cgroup v2 (none delegated here: memory and processes are limited "
                       "through the worker's single process instead)")
    return Isolation(mode, own_uid, tuple(layers), tuple(missing), _note(mode, own_uid, missing, bool(abi)))


def _note(mode: str, own_uid: bool, missing: list, has_landlock: bool) -> str:
    who = "under a uid of its own" if own_uid else "under the grader's uid"
    if mode == "bubblewrap":
        text = (f"Student code ran under bubblewrap {who}: no network, no view of the grader's "
                f"files, no new processes, and limits per submission.")
    elif mode == "landlock":
        text = (f"Student code ran with Landlock and seccomp {who} (bubblewrap could not run "
                f"here): it could read only the Python installation and its own files, write "
                f"only its scratch folder, reach no network and start no process.")
    else:
        why = ("KMEANS_SANDBOX=process was asked for" if has_landlock else
               "this kernel has no Landlock and bubblewrap could not run")
        text = (f"WARNING: student code ran in a separate process {who} with seccomp and "
                f"resource limits only ({why}), so it could read this machine's files. Do not "
                f"grade untrusted submissions like this.")
    lost = [m for m in missing if not m.startswith("cgroup")]
    return text + (f" Missing here: {'; '.join(lost)}." if lost and mode != "bubblewrap" else "")


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
