"""The bubblewrap layer: the worker in namespaces of its own, seeing only what is mounted.

New PID, network, IPC, UTS and mount namespaces; a read-only view of only the folders and files
it is given; a private, size-limited /tmp; every capability dropped; it dies with the grader. As
root (no user namespace) bubblewrap keeps only CAP_SETUID and CAP_SETGID, for ``setpriv`` to
start the worker under its own uid with no capability left: root never runs Python inside.
"""

import os
import shutil
from pathlib import Path


def namespaces() -> list[str]:
    spaces = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
              "--unshare-cgroup-try"]
    return spaces  # as root no user namespace: the worker leaves root through setpriv instead


def unavailable() -> str | None:
    """Why bubblewrap cannot run here at all (one line), or None: the tools it needs are
    installed. Whether it really runs is known only by starting a worker (detect.py)."""
    if not shutil.which("bwrap"):
        return "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        return "setpriv (util-linux) is missing, so the worker could not leave root"
    return None


def command(worker: list[str], readable: list[str], stage: str, scratch_bytes: int,
            uid: int | None, env: dict) -> list[str]:
    """The bwrap command line that runs ``worker`` (its argv) in the sandbox.

    ``readable`` paths are mounted read-only where they are; ``stage`` (the worker's files and
    the submission) read-only at the same path; /tmp is a private tmpfs of ``scratch_bytes``.
    """
    bwrap = shutil.which("bwrap")
    command = [bwrap, *([] if uid is not None else ["--unshare-user"]), *namespaces(),
               "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if uid is not None:
        command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    command += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size",
                str(scratch_bytes), "--tmpfs", "/tmp"]
    mounts = sorted(set(readable) | {stage, "/usr/bin/setpriv"} if uid is not None
                    else set(readable) | {stage})
    # Folders bwrap makes on the way to a mount would be readable by root alone: make them 0755.
    parents = sorted({str(p) for m in mounts for p in Path(m).parents if str(p) not in ("/",)}
                     - {"/tmp", "/proc", "/dev"})
    for parent in parents:
        if not any(parent == m or parent.startswith(m + "/") for m in mounts):
            command += ["--perms", "0755", "--dir", parent]
    for path in mounts:
        if os.path.exists(path):
            command += ["--ro-bind", path, path]
    for top in ("bin", "lib", "lib64", "sbin"):  # merged-/usr links, for the dynamic loader
        host = Path("/") / top
        if host.is_symlink() and f"/{top}" not in mounts:
            command += ["--symlink", os.readlink(host), str(host)]
    command += ["--clearenv"]
    for name, value in env.items():
        command += ["--setenv", name, value]
    command += ["--chdir", "/tmp", "--"]
    if uid is not None:
        command += ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                    "--inh-caps=-all", "--"]
    return command + worker
