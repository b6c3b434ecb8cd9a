"""What every isolation mode is: the interface, with the defaults of a worker started directly."""

import os
import signal
import tempfile
from pathlib import Path

from .. import landlock, seccomp
from ..installation import python_unreadable


class Mode:
    """One way to isolate a worker. The defaults are those of a worker started directly, as a
    child of the grader, that contains itself (Landlock and seccomp applied by worker.py)."""

    name = ""
    landlock = True  # the worker applies Landlock to itself (where the kernel has it)
    seccomp = True  # the worker installs the seccomp filter
    namespaced = False  # the worker is in namespaces of its own: the grader is not its parent

    def __str__(self):
        return self.name

    __repr__ = __str__

    def unavailable(self) -> str | None:
        """Why this mode cannot run here at all (one line), or None: what can be known without
        starting a worker. detect.py then starts one to be sure."""
        return None

    def layers(self) -> list[str]:
        """The layers a worker of this mode is under (the uid and the cgroup are added by
        detect.py), e.g. ["bubblewrap", "landlock 7", "seccomp"]."""
        abi = landlock.abi_version() if self.landlock else 0
        return ([f"landlock {abi}"] if abi else []) + (["seccomp"] if self.seccomp and
                                                       seccomp.supported() else [])

    def own_uid_blocker(self) -> str | None:
        """Why a worker could not be started under a uid of its own (as root), or None: with a
        reason, it starts as root and leaves uid 0 itself before any student code."""
        return python_unreadable()

    def stage_folder(self, own_uid: bool) -> str:
        """The folder a worker's staging folder is made in: the temporary folder, or /tmp when
        a worker under another uid must enter it and cannot (a folder on the way is closed)."""
        base = tempfile.gettempdir()
        if own_uid and not all(os.stat(p).st_mode & 0o001 for p in
                               [base, *map(str, Path(base).parents)]):
            return "/tmp"
        return base

    def scratch(self, stage: Path) -> Path:
        """Make the worker's scratch folder (the one place it may write); return its path as the
        worker sees it. Inside the stage, the grader watches its size."""
        folder = stage / "scratch"
        folder.mkdir()
        return folder

    def command(self, argv: list[str], settings: dict, env: dict, scratch_bytes: int,
                uid: int | None) -> list[str]:
        """The command line that starts the worker whose own command line is ``argv``."""
        return argv

    def user(self, uid: int | None) -> dict:
        """Popen's arguments for starting the command under ``uid`` (None: the grader's)."""
        return {} if uid is None else {"user": uid, "group": uid, "extra_groups": []}

    def exit_status(self, code: int) -> int:
        """The worker's own exit status from the command's (negative: killed by that signal)."""
        return code

    def reap(self, folder) -> None:
        """Kill every process still running from ``folder`` (a worker whose grader was killed):
        its command line names its staged files there."""
        needle = os.fsencode(str(folder))
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    if needle in handle.read():
                        os.kill(int(pid), signal.SIGKILL)
            except OSError:
                continue
