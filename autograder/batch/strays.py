"""The batch's temporary folders, and what a killed grader leaves in them: its scratch folder
and sandboxed workers still running from it (which the sandbox reaps)."""

import os
import sys
import tempfile
from pathlib import Path

from .. import sandbox

PREFIX = "kmeans-batch-"  # TMPDIR/kmeans-batch-<pid>-*: a batch's temporary root


def temporary_root() -> Path:
    """The batch's folder for its graders' scratch folders, in TMPDIR, named by its pid."""
    return scratch_folder(Path(tempfile.gettempdir()), f"{PREFIX}{os.getpid()}-")


def scratch_folder(parent: Path, prefix: str = "grader-") -> Path:
    """A new folder in ``parent`` that a sandbox uid can pass through to its own inside."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    sandbox.prepare(folder)  # it holds the workers' staging
    return folder


def remove(folder: Path) -> None:
    """Kill what still runs from ``folder``, then remove it; what could not be removed is said
    in one line on standard error (never raised)."""
    try:
        sandbox.reap(folder)
    except OSError:
        pass
    left = sandbox.remove_tree(folder)
    if left:
        print(f"warning: could not remove {len(left)} item(s) of {folder} "
              f"(first: {left[0]})", file=sys.stderr)


def remove_stale_temporary_folders() -> None:
    """Remove what a killed batch (SIGKILL leaves it no time to clean up) left in TMPDIR."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        pid = folder.name.split("-")[2]
        try:
            mine = folder.lstat().st_uid == os.getuid()
        except OSError:
            continue  # gone already
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and mine:
            remove(folder)

