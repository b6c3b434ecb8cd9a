"""What of this machine a worker may read: the interpreter, its standard library and packages,
the system libraries; and whether another uid could run this Python at all."""

import os
import sys
import sysconfig
from pathlib import Path

SYSTEM_LIBRARIES = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/etc/ld.so.cache")


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
