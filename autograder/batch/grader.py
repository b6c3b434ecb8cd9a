"""What runs in one grader process of a batch: grade one submission with the grading library,
and stop when the batch stops, even when it is killed.

``main(job)`` is the entry point the batch's warm server forks (``processes.py``); it imports
nothing of the command line.
"""

import os
import select
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass

from ..grading import grade_and_write

INTERRUPTED = 130  # the exit status of a grader that was stopped, as a shell's for Ctrl-C


@dataclass(frozen=True)
class Job:
    """One submission to grade, and where its grader works (sent to the forked process)."""

    submission: str  # what is graded
    results: str  # results.json to write
    artifacts: str  # the folder for the capstone's images (and a notebook's code)
    scratch: str  # the grader's TMPDIR, removed by the batch when the grader ends
    output: str  # the file what the grader prints goes to
    batch: int  # the batch's pid
    refusal: str = ""  # why none of the student's uploads is graded (lms.base.choose), if so
    uploaded_too: tuple = ()  # its other loose uploads (an LMS's), named in its results


def main(job: Job) -> None:
    """Grade ``job`` and exit: 0 when results.json was written, 130 when stopped, else 2."""
    server = os.getppid()
    os.environ["TMPDIR"] = job.scratch
    tempfile.tempdir = None
    fd = os.open(job.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    try:
        stop_with_batch(job.batch, server)
        done = grade_and_write(job.submission, job.results, artifacts=job.artifacts,
                               refusal=job.refusal, uploaded_too=job.uploaded_too)
    except KeyboardInterrupt:
        print("error: interrupted: no results were written", file=sys.stderr)
        code = INTERRUPTED
    else:
        for line in done.stdout:
            print(line)
        for line in done.stderr:
            print(line, file=sys.stderr)
        code = done.status
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def stop_with_batch(batch: int, server: int) -> None:
    """Stop when the batch stops, even if it is killed.

    SIGTERM and SIGINT (the batch passes Ctrl-C on) raise KeyboardInterrupt once, so the
    grader's cleanup (its sandbox and temporary folders) runs, and are ignored after that, so
    the cleanup is never cut short. SIGTERM comes from a thread waiting on the batch's pidfd
    (the grader is the server's child, not the batch's, so the kernel's parent-death signal
    cannot say the batch died), and from the kernel when the server dies. No results are
    written, and the batch, run again, grades the submission from the start.
    """
    from ..sandbox import die_with_parent

    def interrupt(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)

    def watch():
        try:
            pidfd = os.pidfd_open(batch)
            select.select([pidfd], [], [])
        except OSError:
            pass  # already gone
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()
    die_with_parent(signal.SIGTERM)
    if os.getppid() != server:  # the server died before the line above took effect
        raise KeyboardInterrupt
