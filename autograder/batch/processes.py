"""The batch's grader processes: each submission graded by its own process, forked from one warm
server that has the grader loaded (a fresh Python would spend a third of a grading importing
it), several at once; all stopped on Ctrl-C, and none outliving the batch (``grader.py``)."""

import concurrent.futures
import json
import os
import signal
import threading
import time
from pathlib import Path

from .. import sandbox
from ..grading import PROBED
from . import grader, outdir, strays

SUBMISSION_SECONDS = 900  # a whole submission's grading, a backstop behind the per-call limits
STOP_SECONDS = 1.0  # after Ctrl-C, how long graders get to clean up before they are killed
BATCH_PID = "KMEANS_BATCH_PID"  # in the environment of every grader a batch starts: the batch
PRELOAD = ["autograder.batch.grader", "autograder.grading", "autograder.results",
           *sandbox.PRELOAD, "autograder.batch.warm"]
# How a grader process ends when it is interrupted: its own exit status, or the signal.
INTERRUPTED = {grader.INTERRUPTED, -signal.SIGINT, -signal.SIGTERM, -signal.SIGKILL}
OUTPUT_KEPT = 100_000  # characters of what a grader printed, read back

_SERVER = []
_SERVER_LOCK = threading.Lock()


def server():
    """The multiprocessing context whose server preloads the grader (started once, with this
    batch's pid in its environment, as every grader it forks shows in /proc)."""
    import multiprocessing
    from multiprocessing import forkserver

    with _SERVER_LOCK:
        if not _SERVER:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            # the batch's pid, and what its probes found, so the graders need not probe again
            marks = {BATCH_PID: str(os.getpid()), PROBED: json.dumps(sandbox.probed())}
            previous = {name: os.environ.get(name) for name in marks}
            os.environ.update(marks)
            # Started with Ctrl-C ignored (which exec keeps): on a loaded machine its imports
            # take long, and a Ctrl-C then would print a KeyboardInterrupt traceback. It ignores
            # SIGINT once loaded anyway; each grader installs its own handler.
            main = threading.current_thread() is threading.main_thread()
            ignored = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
            try:
                forkserver.ensure_running()
            finally:
                if main:
                    signal.signal(signal.SIGINT, ignored)
                for name, value in previous.items():
                    if value is None:
                        del os.environ[name]
                    else:
                        os.environ[name] = value
            _SERVER.append(context)
    return _SERVER[0]


def stop_server() -> None:
    """Stop the server, if one was started, and wait until it has exited: a batch that ends,
    interrupted or not, leaves no process behind, however slowly a loaded machine would let the
    server notice on its own that the batch is gone. (The next ``server()`` starts a new one.)"""
    from multiprocessing import forkserver

    with _SERVER_LOCK:
        if _SERVER:
            _SERVER.clear()
            forkserver._forkserver._stop()  # closes its "alive" pipe, then waits for it


class Grader:
    """One grader process running ``grader.main(job)``."""

    def __init__(self, job: grader.Job):
        self.job = job
        self.process = server().Process(target=grader.main, args=(job,))
        self.process.start()

    @property
    def exitcode(self) -> int | None:
        return self.process.exitcode

    def wait(self, timeout: float | None) -> bool:
        """Wait at most ``timeout`` seconds; whether the grader has ended."""
        self.process.join(timeout)
        return self.process.exitcode is not None

    def interrupt(self) -> None:
        try:
            os.kill(self.process.pid, signal.SIGINT)
        except OSError:
            pass

    def kill(self) -> None:
        self.process.kill()
        self.process.join()

    def output(self) -> str:
        """The end of what the grader printed."""
        try:
            with open(self.job.output, "rb") as handle:
                return handle.read()[-OUTPUT_KEPT:].decode("utf-8", "replace")
        except OSError:
            return ""


class Graders:
    """The graders running now; once stopped, no grader starts."""

    def __init__(self):
        self.running: set[Grader] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def start(self, job: grader.Job) -> Grader | None:
        with self.lock:
            if self.stopping.is_set():
                return None
            process = Grader(job)
            self.running.add(process)
            return process

    def ended(self, process: Grader) -> None:
        with self.lock:
            self.running.discard(process)

    def stop(self) -> None:
        """Ctrl-C: no new grader starts; running ones get SIGINT (once), then are killed."""
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a 2nd Ctrl-C cannot cut this
        try:
            with self.lock:
                self.stopping.set()
                running = list(self.running)
            for process in running:
                process.interrupt()
            deadline = time.monotonic() + STOP_SECONDS
            for process in running:
                if not process.wait(max(0.0, deadline - time.monotonic())):
                    process.kill()
        finally:
            signal.signal(signal.SIGINT, previous)


def grade_one(student, out: Path, temporary_root: Path, graders: Graders) -> outdir.Outcome:
    """Grade one student's submission in its own grader process; record how it went."""
    folder = outdir.folder_of(out, student.key)
    folder.mkdir(parents=True, exist_ok=True)
    if student.refused:  # none of its uploads was graded: none is compared with the others
        (folder / "source.py").unlink(missing_ok=True)
    else:
        outdir.save_source(student.path, folder)
    # The grader's temporary folders go into one of the batch's own, removed when the grader
    # ends whatever happens to it, so none is left behind even if it is killed.
    scratch = strays.scratch_folder(temporary_root)
    job = grader.Job(str(Path(student.path).absolute()), str(folder / outdir.RESULTS),
                     str(folder / ".artifacts"), str(scratch), str(scratch / "grader-output.txt"),
                     os.getpid(), student.refused,
                     tuple(student.others) if Path(student.path).is_file() else ())
    interrupted = outdir.Outcome(student.key, "interrupted", 0, 0, "interrupted; not recorded")
    try:
        process = graders.start(job)
        if process is None:
            return interrupted
        try:
            if not process.wait(SUBMISSION_SECONDS):
                process.kill()
                message = f"grading took longer than {SUBMISSION_SECONDS} s; not recorded"
                return outdir.record_failure(folder, "grader timeout", message + "\n", message)
        finally:
            graders.ended(process)
        output = process.output()
    finally:
        strays.remove(scratch)
    if process.exitcode in INTERRUPTED or graders.stopping.is_set():
        return interrupted
    if process.exitcode != 0 or not (folder / outdir.RESULTS).is_file():
        return outdir.record_failure(folder, "grader error", output[-20000:],
                                     f"the grader failed on this submission; see "
                                     f"{folder / outdir.ERROR}")
    return outdir.record_graded(folder)


def grade_all(todo, out: Path, jobs: int, temporary_root: Path, progress) -> None:
    """Grade ``todo`` with ``jobs`` graders at once; ``progress.update`` each outcome."""
    server()  # started here, before the pool's threads, once
    graders = Graders()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(grade_one, s, out, temporary_root, graders) for s in todo]
        for future in concurrent.futures.as_completed(futures):
            progress.update(future.result())
    except KeyboardInterrupt:
        # Stop now: nothing new starts, and the running graders clean up and exit. What was
        # graded stays graded; running the command again grades the rest.
        graders.stop()
        pool.shutdown(wait=True, cancel_futures=True)
        progress.interrupted()
        raise
    pool.shutdown()
