"""Ctrl-C on a batch, as a terminal sends it: SIGINT to the whole foreground process group."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder import batch
from conftest import build


def interruptible():
    """In the batch's process before it starts: Ctrl-C's signal at its default, as a terminal
    gives it. A test run started in the background by a non-interactive shell inherits SIGINT
    ignored, and Python then leaves it ignored (the batch ran on, exit 0, under such a CI)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def processes_of(batch_pid: int, folder: Path) -> list[str]:
    """Processes a batch started (by its environment mark) or running from ``folder``."""
    found = []
    mark = f"{batch.BATCH_PID}={batch_pid}".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = open(f"/proc/{pid}/cmdline", "rb").read()
            environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        except OSError:
            continue
        if mark in environ or str(folder).encode() in command:
            found.append(f"{pid}: {command.replace(bytes(1), b' ').decode(errors='replace')}")
    return found


@pytest.mark.parametrize("when", ["while graders start", "while a slow submission is graded"])
def test_ctrl_c_ends_a_batch_promptly_leaving_nothing_behind(when, tmp_path):
    """Exit 130 promptly (within 2 s on a quiet machine; the bound, 10 s, is far short of
    zed's grading, so that a loaded machine passes too), no grader or sandboxed worker left
    running, no temporary folder left, what was graded kept: as the graders start (no grader
    may start after Ctrl-C) and while a slow submission is graded."""
    submissions, out = tmp_path / "class", tmp_path / "out"
    submissions.mkdir()
    for student, golden in {"amy": "correct_broadcast.py", "zed": "hang_init.py"}.items():
        (tmp_path / student).mkdir()
        build(golden, tmp_path / student).rename(submissions / f"{student}.py")
    # A TMPDIR of the test's own, reachable by a sandbox uid, to see what is left in it.
    temporary = Path(tempfile.mkdtemp(prefix="kmeans-interrupt-test-", dir="/tmp"))
    temporary.chmod(0o711)
    try:
        log = open(tmp_path / "stderr.txt", "w+")
        process = subprocess.Popen(
            [sys.executable, "-m", "autograder", "batch", str(submissions), "--out", str(out),
             "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
                preexec_fn=interruptible,
            env={**os.environ, "TMPDIR": str(temporary)})
        deadline = time.monotonic() + 120
        if when == "while graders start":
            while not processes_of(process.pid, temporary) and time.monotonic() < deadline:
                time.sleep(0.005)  # until the first grader process exists
        else:
            while not (out / "students" / "amy" / "results.json").is_file() \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
            while not any("worker.py" in p for p in processes_of(process.pid, temporary)) \
                    and time.monotonic() < deadline:
                time.sleep(0.05)  # until zed's worker is loading or hanging
            assert process.poll() is None, "zed's grading (over 20 s) should still be running"
            assert any("worker.py" in p for p in processes_of(process.pid, temporary))
        started = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        status = process.wait(timeout=30)
        took = time.monotonic() - started
        assert status == 130 and took < 10.0, (status, took)
        gone = time.monotonic() + 10  # killed processes may take a moment to be reaped
        while processes_of(process.pid, temporary) and time.monotonic() < gone:
            time.sleep(0.1)
        assert processes_of(process.pid, temporary) == []
        assert list(temporary.iterdir()) == [], "temporary folders were left behind"
        log.seek(0)
        errors = log.read()
        assert "interrupted" in errors and "Traceback" not in errors, errors
        if when != "while graders start":
            assert (out / "students" / "amy" / "results.json").is_file()
        assert not (out / "students" / "zed" / "results.json").exists()
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
