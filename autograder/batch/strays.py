"""What a grader leaves when it is killed: its scratch folder and sandboxed workers still
running from it. (To be replaced by the sandbox's own reaping when it has one.)"""

import os
import shutil
import signal
import tempfile
from pathlib import Path

PREFIX = "kmeans-batch-"  # TMPDIR/kmeans-batch-<pid>-*: a batch's temporary root


def temporary_root() -> Path:
    """The batch's folder for its graders' scratch folders, in TMPDIR, named by its pid."""
    return scratch_folder(Path(tempfile.gettempdir()), f"{PREFIX}{os.getpid()}-")


def scratch_folder(parent: Path, prefix: str = "grader-") -> Path:
    """A new folder in ``parent`` that a sandbox uid can pass through to its own inside."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    folder.chmod(0o711)
    return folder


def remove(folder: Path) -> None:
    """Kill what still runs from ``folder``, then remove it."""
    kill_strays(folder)
    shutil.rmtree(folder, ignore_errors=True)


def remove_stale_temporary_folders() -> None:
    """Remove what a killed batch (SIGKILL leaves it no time to clean up) left in TMPDIR."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and folder.stat().st_uid == os.getuid():
            remove(folder)


def kill_strays(folder: Path) -> None:
    """Kill any process still running from ``folder`` (a sandboxed worker whose grader was
    killed): its command line names its files there."""
    needle = str(folder).encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if needle in handle.read():
                    os.kill(int(pid), signal.SIGKILL)
        except OSError:
            continue
