"""Grade a whole class: every submission in its own grader process and sandbox, in parallel.

``run`` finds one student per LMS identity in a folder (or a zip of one) as Canvas, Moodle or
Gradescope export it, or one per entry in a plain folder (``lms.read_class``), grades the ones
not yet graded (``regrade`` grades all again) and, unless it is one shard of several, ``merge``
builds the class-wide files. Everything goes into OUTDIR:

- ``students/<key>/results.json``  Gradescope's results, written atomically when grading ends
- ``students/<key>/feedback.html`` the student's feedback page
- ``students/<key>/source.py``     the graded code, for the similarity report
- ``roster.json``                  who is in the class, with their LMS identities
- ``grades.csv``                   the gradebook: one row per student, score per function
- ``summary.png``                  the score histogram and the pass rate of every check
- ``similarity.html``              pairs of submissions ranked by the code they share
- ``canvas-import.csv`` or ``moodle-grading-worksheet.csv``, with ``lms``

Students live in their own subfolder, so no name can collide with the class-wide files.

A batch that is interrupted, even killed, loses nothing: a submission counts as done only once
its results.json exists, so running the same command again grades the rest. Shards (``shard``
= (I, N)) grade disjoint parts of the class into the same OUTDIR, each student in exactly one
shard (by a hash of the student's key, so a student stays in the same shard when the class
grows); ``merge`` then builds the class-wide files and lists who is missing.
"""

import concurrent.futures
import csv
import hashlib
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import feedback, lms, sandbox
from .grading import FUNCTIONS, PROBED

STUDENTS = "students"  # OUTDIR/students/<key>/: one folder per student, nothing else in it
ROSTER = "roster.json"
LMS_FILES = {"canvas": "canvas-import.csv", "moodle": "moodle-grading-worksheet.csv"}
MAX_CLASS_ZIP_BYTES = 2 << 30  # extracted size of a class zip
MAX_MEMBER_BYTES = 200 << 20
SUBMISSION_SECONDS = 900  # a whole submission's grading, a backstop behind the per-call limits
STOP_SECONDS = 1.0  # after Ctrl-C, how long graders get to clean up before they are killed
BATCH_PID = "KMEANS_BATCH_PID"  # set for the grader processes a batch starts
SHARD_ENVIRONMENT = ("JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID")
# How a grader process ends when it is interrupted: its own exit status, or the signal.
INTERRUPTED = {130, -signal.SIGINT, -signal.SIGTERM, -signal.SIGKILL}
FAILED = ("grader error", "grader timeout")
_RUNNING = set()  # the grader processes running now, stopped if the batch is interrupted
_RUNNING_LOCK = threading.Lock()
_STOPPING = threading.Event()  # set once the batch is interrupted: no grader starts after it


class BatchError(Exception):
    """The batch cannot run (bad SUBMISSIONS, OUTDIR or shard); the message says why."""


def student_id(name: str) -> str:
    """A safe folder name for a plain entry: its file name without extension."""
    return lms.safe_key(name)


def printable(text: str) -> str:
    """``text`` with control and bidirectional-override characters escaped, for a terminal."""
    out = []
    for char in str(text):
        code = ord(char)
        if code < 32 or 127 <= code < 160 or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
            out.append(f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def spreadsheet_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a quote first."""
    text = value if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# -- shards ----------------------------------------------------------------------------------

def shard_of(key: str, count: int) -> int:
    """The shard (0 .. count-1) a student belongs to: a stable hash of the key alone."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") % count


def parse_shard(text: str, environ=os.environ) -> tuple[int, int]:
    """``I/N`` or ``N`` (I then from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID) -> (I, N).

    Indices run from 0 to N-1: a SLURM array is submitted with ``--array=0-(N-1)``, so that a
    task resubmitted alone (``--array=2``) still knows its shard."""
    index, _, count = text.rpartition("/")
    if not count.isdigit() or int(count) < 1 or (index and not index.isdigit()):
        raise BatchError(f"--shard must be I/N (e.g. 0/4) or N, got {text!r}")
    count = int(count)
    if not index:
        for name in SHARD_ENVIRONMENT:
            if environ.get(name, "").strip():
                index = environ[name].strip()
                if not index.isdigit():
                    raise BatchError(f"{name}={index!r} is not a shard index")
                break
        else:
            raise BatchError(f"--shard {count} needs the shard index: give --shard I/{count}, or "
                             f"set JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID")
    if not 0 <= int(index) < count:
        raise BatchError(f"shard index {index} is not between 0 and {count - 1}")
    return int(index), count


# -- the class -------------------------------------------------------------------------------

def find_students(submissions: Path, workdir: Path, outdir: Path | None = None):
    """(layout, students): the class in ``submissions``, a folder or a zip of one (extracted
    into ``workdir``). ``outdir``, the batch's own output, is not a student even when it is
    kept among the submissions."""
    submissions = Path(submissions)
    if submissions.is_file():
        if not zipfile.is_zipfile(submissions):
            raise BatchError(f"{submissions} is neither a folder nor a zip of submissions")
        folder = workdir / "extracted"
        safe_extract(submissions, folder)
        submissions = folder
        # An LMS zip often wraps everything in one folder: look inside it.
        children = [c for c in folder.iterdir() if not lms.is_litter(c)]
        if len(children) == 1 and children[0].is_dir():
            submissions = children[0]
    try:
        layout, students = lms.read_class(submissions, exclude=outdir)
    except lms.LmsError as error:
        raise BatchError(str(error)) from None
    if not students:
        raise BatchError(f"there are no submissions in {submissions}")
    return layout, students


def safe_extract(archive: Path, folder: Path) -> None:
    """Extract a class zip: nothing outside ``folder``, no links, sizes capped."""
    folder.mkdir(parents=True)
    root = folder.resolve()
    total = 0
    try:
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                parts = [p for p in Path(info.filename.replace("\\", "/")).parts if p not in ("", ".")]
                if (not parts or info.filename.startswith("/") or ".." in parts
                        or stat.S_ISLNK(info.external_attr >> 16)):
                    continue  # unsafe or a link: never written
                target = root.joinpath(*parts)
                if not target.resolve().is_relative_to(root):
                    continue
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                total += info.file_size
                if info.file_size > MAX_MEMBER_BYTES or total > MAX_CLASS_ZIP_BYTES:
                    raise BatchError(f"{archive.name} holds more data than a class of "
                                     f"submissions should ({printable(info.filename)})")
                target.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
    except (zipfile.BadZipFile, OSError, NotImplementedError) as error:
        raise BatchError(f"{archive.name} cannot be read as a zip: {error}") from None


def _write_atomically(path: Path, data: bytes) -> Path:
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)
    return path


def write_roster(outdir: Path, layout: str, students) -> Path:
    roster = {"layout": layout, "students": [s.record() for s in students]}
    return _write_atomically(outdir / ROSTER, (json.dumps(roster, indent=1, ensure_ascii=False)
                                               + "\n").encode("utf-8"))


def read_roster(outdir: Path) -> dict:
    path = Path(outdir) / ROSTER
    if not path.is_file():
        raise BatchError(f"{outdir} holds no {ROSTER}: it is not the OUTDIR of a batch")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BatchError(f"{path} is damaged: run the batch again to rewrite it") from None


# -- grading ---------------------------------------------------------------------------------

@dataclass
class Outcome:
    student: str
    status: str
    score: float
    max_score: float
    message: str = ""


def folder_of(outdir: Path, key: str) -> Path:
    return Path(outdir) / STUDENTS / key


def save_source(path: Path, folder: Path) -> None:
    """Keep a copy of the code that is graded (for the similarity report), if it can be read."""
    from .submission import SubmissionError, stage

    with tempfile.TemporaryDirectory(prefix="kmeans-source-") as scratch:
        try:
            staged = stage(path, Path(scratch) / "s")
        except (SubmissionError, OSError, ValueError, RecursionError, MemoryError):
            return
        if staged.suffix == ".py":  # a notebook's code is kept by its grader, from the sandbox
            _write_atomically(folder / "source.py", staged.read_bytes())


class _Grader:
    """One grader process, forked from a warm server that has the grader's modules loaded (a
    fresh Python would spend a third of a grading importing them). It answers as much of
    subprocess.Popen as the batch uses; what it prints goes to a file in its scratch folder."""

    def __init__(self, argv: list[str], scratch: Path):
        self.output = scratch / "grader-output.txt"
        self.process = _forkserver().Process(target=_run_grader,
                                             args=(argv, str(scratch), str(self.output)))
        self.process.start()
        self.pid = self.process.pid

    @property
    def returncode(self):
        return self.process.exitcode

    def send_signal(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def wait(self, timeout=None):
        self.process.join(timeout)
        if self.process.exitcode is None:
            raise subprocess.TimeoutExpired("grade", timeout)
        return self.process.exitcode

    def kill(self) -> None:
        self.process.kill()
        self.process.join()

    def communicate(self, timeout=None):
        self.wait(timeout)
        try:
            return None, self.output.read_bytes()[-100_000:].decode("utf-8", "replace")
        except OSError:
            return None, ""


_SERVER = []
_SERVER_LOCK = threading.Lock()


def _forkserver():
    """The multiprocessing context whose server preloads the grader (started once, with this
    batch's pid in its environment, as every grader it forks shows in /proc)."""
    with _SERVER_LOCK:
        if not _SERVER:
            _start_server()
    return _SERVER[0]


def _start_server() -> None:
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["autograder.cli", "autograder.grading",
                                    "autograder.results", *sandbox.PRELOAD])
    marks = {BATCH_PID: str(os.getpid()), PROBED: json.dumps(sandbox.probed())}  # the graders
    previous = {name: os.environ.get(name) for name in marks}  # need not probe again
    os.environ.update(marks)
    try:
        from multiprocessing import forkserver

        forkserver.ensure_running()
    finally:
        for name, value in previous.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value
    _SERVER.append(context)


def _stop_with(batch: int) -> None:
    """SIGTERM this grader when the batch ends, even killed (it is not the batch's child, so the
    kernel's parent-death signal cannot say so): a thread waits on the batch's pidfd."""
    import select

    def watch():
        try:
            fd = os.pidfd_open(batch)
            select.select([fd], [], [])
        except OSError:
            pass  # already gone
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


def _run_grader(argv: list[str], scratch: str, output: str) -> None:
    """In a forked grader: the `grade` command as `python -m autograder` runs it."""
    os.environ["TMPDIR"] = scratch
    _stop_with(int(os.environ.get(BATCH_PID) or os.getppid()))  # the batch, which the
    # server's environment names
    os.environ[BATCH_PID] = str(os.getppid())  # the parent stop_with_batch checks: the server
    tempfile.tempdir = None
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from .cli import main

    code = main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def grade_one(student: lms.Student, outdir: Path, temporary_root: Path) -> Outcome:
    """Grade one student's submission in its own grader process; write its results."""
    folder = folder_of(outdir, student.key)
    folder.mkdir(parents=True, exist_ok=True)
    results_path = folder / "results.json"
    error_path = folder / "grader-error.txt"
    save_source(student.path, folder)
    # The grader's temporary folders go into one of the batch's own, removed when the grader
    # ends whatever happens to it, so none is left behind even if it is killed.
    scratch = Path(tempfile.mkdtemp(prefix="grader-", dir=temporary_root))
    sandbox.prepare(scratch)  # it holds the workers' staging
    argv = ["grade", "--out", str(results_path), "--artifacts", str(folder / ".artifacts"),
            "--", str(Path(student.path).absolute())]
    try:
        with _RUNNING_LOCK:
            if _STOPPING.is_set():
                return Outcome(student.key, "interrupted", 0, 0, "interrupted; not recorded")
            process = _Grader(argv, scratch)
            _RUNNING.add(process)
        try:
            _, stderr = process.communicate(timeout=SUBMISSION_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            message = f"grading took longer than {SUBMISSION_SECONDS} s; not recorded"
            _write_atomically(error_path, f"grader timeout\n{message}\n".encode())
            return Outcome(student.key, "grader timeout", 0, 0, message)
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(process)
    finally:
        sandbox.reap(scratch)
        shutil.rmtree(scratch, ignore_errors=True)
    if process.returncode in INTERRUPTED or _STOPPING.is_set():
        return Outcome(student.key, "interrupted", 0, 0, "interrupted; not recorded")
    if process.returncode != 0 or not results_path.is_file():
        _write_atomically(error_path, ("grader error\n" + stderr[-20000:]).encode("utf-8"))
        return Outcome(student.key, "grader error", 0, 0,
                       f"the grader failed on this submission; see {error_path}")
    error_path.unlink(missing_ok=True)
    if (folder / ".artifacts" / "source.py").is_file():
        os.replace(folder / ".artifacts" / "source.py", folder / "source.py")
    return outcome_of(student.key, load_results(results_path))


def _remove_stale_temporary_folders() -> None:
    """Remove what a killed batch (SIGKILL leaves it no time to clean up) left in TMPDIR."""
    for folder in Path(tempfile.gettempdir()).glob("kmeans-batch-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and folder.stat().st_uid == os.getuid():
            sandbox.reap(folder)
            shutil.rmtree(folder, ignore_errors=True)


def stop_with_batch() -> None:
    """In a grader process a batch started: stop when the batch stops, even if it is killed.

    The kernel sends SIGTERM when the batch dies; SIGTERM and SIGINT (the batch passes Ctrl-C
    on) raise KeyboardInterrupt once, so the grader's cleanup (its sandbox and temporary
    folders) runs, and are ignored after that, so the cleanup is never cut short. No results
    are written, and the batch, run again, grades the submission from the start.
    """
    parent = os.environ.get(BATCH_PID)
    if not parent:
        return
    from .sandbox import die_with_parent

    def interrupt(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    die_with_parent(signal.SIGTERM)
    if str(os.getppid()) != parent:  # the batch died before the line above took effect
        raise KeyboardInterrupt


def _stop_graders() -> None:
    """Ctrl-C: no new grader starts; running ones get SIGINT (once), then are killed."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C cannot cut this
    try:
        with _RUNNING_LOCK:
            _STOPPING.set()
            running = list(_RUNNING)
        for process in running:
            try:
                process.send_signal(signal.SIGINT)
            except OSError:
                pass
        deadline = time.monotonic() + STOP_SECONDS
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
    finally:
        signal.signal(signal.SIGINT, previous)


def load_results(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def outcome_of(student: str, results: dict) -> Outcome:
    return Outcome(student, results["extra_data"]["status"], results["score"],
                   sum(t["max_score"] for t in results["tests"]))


class Progress:
    """A progress bar on a terminal, one line per submission otherwise; never in files."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream
        self.tty = stream.isatty()
        self.lock = threading.Lock()

    def update(self, outcome: Outcome):
        with self.lock:
            self.done += 1
            score = f"{outcome.score:g}/{outcome.max_score:g}" if outcome.max_score else "-"
            text = printable(f"{self.done}/{self.total} {outcome.student}: {score} "
                             f"({outcome.status})")
            if self.tty:
                width = 30
                filled = width * self.done // self.total
                self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text[:60]:<60}")
                if self.done == self.total:
                    self.stream.write("\n")
            else:
                self.stream.write(f"[{text}]\n")
            self.stream.flush()

    def interrupted(self):
        if self.tty:
            self.stream.write("\n")  # end the bar's line


@dataclass
class Report:
    outcomes: list  # one Outcome per student of the class (of the shard, for a shard)
    rates: list  # (check, pass rate, count); empty for a shard
    missing: list  # keys of students not graded yet
    layout: str = "plain"
    shard: tuple | None = None
    lms_file: Path | None = None

    def __iter__(self):  # outcomes, rates = run(...)
        return iter((self.outcomes, self.rates))


def isolation_warning() -> str | None:
    """The sandbox's warning when student code cannot run under bubblewrap here, else None."""
    from .grading import detect_isolation, isolation_note

    isolation = detect_isolation()
    return None if isolation.strongest else isolation_note(isolation)


def run(submissions, outdir, jobs: int | None = None, regrade: bool = False,
        progress_stream=sys.stderr, shard: tuple[int, int] | None = None,
        lms_format: str | None = None, assignment: str = "K-means",
        show_hidden_images: bool = False) -> Report:
    """Grade every student not yet graded (of shard (I, N) only, if given); unless this is a
    shard, build the gradebook, summary, similarity report and LMS file (``merge``)."""
    outdir = Path(outdir)
    if not Path(submissions).exists():
        raise BatchError(f"{submissions} does not exist")
    if Path(submissions).resolve() == outdir.resolve():
        raise BatchError("--out must be a folder of its own, not the submissions folder")
    if lms_format not in (None, *LMS_FILES):
        raise BatchError(f"--lms must be one of {', '.join(LMS_FILES)}, got {lms_format!r}")
    warning = isolation_warning()  # an isolation that cannot run here stops us before anything
    (outdir / STUDENTS).mkdir(parents=True, exist_ok=True)
    (outdir / ".work").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="batch-", dir=outdir / ".work"))
    _remove_stale_temporary_folders()
    temporary_root = Path(tempfile.mkdtemp(prefix=f"kmeans-batch-{os.getpid()}-"))
    sandbox.prepare(temporary_root)
    _STOPPING.clear()
    try:
        layout, students = find_students(Path(submissions), work, outdir)
        if lms_format and layout != lms_format:
            raise BatchError(f"--lms {lms_format}: {submissions} is not a {lms_format} export "
                             f"(it looks like a {layout} one)")
        write_roster(outdir, layout, students)
        mine = students if shard is None else [s for s in students
                                               if shard_of(s.key, shard[1]) == shard[0]]
        todo = [s for s in mine
                if regrade or not (folder_of(outdir, s.key) / "results.json").is_file()]
        jobs = max(1, jobs or os.cpu_count() or 1)
        already = len(mine) - len(todo)
        where = f" (shard {shard[0]}/{shard[1]} of a class of {len(students)})" if shard else ""
        progress_stream.write(
            f"grading {len(todo)} of {len(mine)} submissions{where} with {jobs} job(s)"
            + (f"; {already} already graded (--regrade to grade them again)" if already else "")
            + (f"; {layout} export" if layout != "plain" else "") + "\n")
        if todo and warning:
            progress_stream.write(warning + "\n")
        if todo:
            _grade_all(todo, outdir, jobs, temporary_root, progress_stream)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        sandbox.reap(temporary_root)
        shutil.rmtree(temporary_root, ignore_errors=True)
    if shard is not None:
        outcomes = [_outcome_in(outdir, s.key) for s in mine]
        return Report(outcomes, [], [o.student for o in outcomes if o.status == "not graded"],
                      layout, shard)
    return merge(outdir, lms_format, assignment, show_hidden_images)


def _grade_all(todo, outdir: Path, jobs: int, temporary_root: Path, stream) -> None:
    _forkserver()  # started here, before the pool's threads, once
    progress = Progress(len(todo), stream)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(grade_one, student, outdir, temporary_root) for student in todo]
        for future in concurrent.futures.as_completed(futures):
            progress.update(future.result())
    except KeyboardInterrupt:
        # Stop now: nothing new starts, and the running graders clean up and exit. What was
        # graded stays graded; running the command again grades the rest.
        _stop_graders()
        pool.shutdown(wait=True, cancel_futures=True)
        progress.interrupted()
        raise
    pool.shutdown()


def _outcome_in(outdir: Path, key: str) -> Outcome:
    folder = folder_of(outdir, key)
    if (folder / "results.json").is_file():
        return outcome_of(key, load_results(folder / "results.json"))
    if (folder / "grader-error.txt").is_file():
        status = (folder / "grader-error.txt").read_text(encoding="utf-8",
                                                         errors="replace").split("\n")[0]
        return Outcome(key, status if status in FAILED else "grader error", 0, 0,
                       f"the grader failed on this submission; see {folder / 'grader-error.txt'}")
    return Outcome(key, "not graded", 0, 0)


def merge(outdir, lms_format: str | None = None, assignment: str = "K-means",
          show_hidden_images: bool = False) -> Report:
    """Build grades.csv, summary.png, similarity.html, every feedback page and (with
    ``lms_format``) the LMS's import file from what was graded into OUTDIR; list who is
    missing."""
    from . import similarity

    outdir = Path(outdir)
    roster = read_roster(outdir)
    layout = roster.get("layout", "plain")
    if lms_format and layout != lms_format:
        raise BatchError(f"--lms {lms_format}: the class in {outdir} is not a {lms_format} "
                         f"export (it looks like a {layout} one)")
    records = roster["students"]
    outcomes = []
    for record in records:
        outcome = _outcome_in(outdir, record["key"])
        outcomes.append(outcome)
        folder = folder_of(outdir, record["key"])
        if (folder / "results.json").is_file():
            feedback.write(load_results(folder / "results.json"),
                           record.get("name") or record["key"], folder / "feedback.html",
                           folder / ".artifacts", show_hidden_images)
    write_gradebook(records, outcomes, outdir)
    rates = pass_rates(outdir, [r["key"] for r in records])
    summary_png(outcomes, rates, outdir / "summary.png")
    sources = {}
    for record in records:
        path = folder_of(outdir, record["key"]) / "source.py"
        if path.is_file():
            sources[record["key"]] = path.read_text(encoding="utf-8", errors="replace")
    similarity.write_report(sources, outdir / "similarity.html",
                            {r["key"]: r.get("name", "") for r in records})
    lms_file = write_lms_file(lms_format, records, outcomes, outdir, assignment) \
        if lms_format else None
    missing = [o.student for o in outcomes if o.status == "not graded"]
    return Report(outcomes, rates, missing, layout, None, lms_file)


# -- what the batch writes -------------------------------------------------------------------

def _csv_bytes(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def write_gradebook(records: list[dict], outcomes: list[Outcome], outdir: Path) -> Path:
    """grades.csv: one row per student (written atomically)."""
    rows = [["student", "lms_id", "name", "late", "status", *FUNCTIONS, "total", "max_total",
             "graded_file", "other_files"]]
    for record, outcome in zip(records, outcomes):
        path = folder_of(outdir, record["key"]) / "results.json"
        per = load_results(path)["extra_data"]["functions"] if path.is_file() else {}
        rows.append([outcome.student, record.get("lms_id", ""), record.get("name", ""),
                     record.get("late", ""), outcome.status,
                     *[f"{per[f]['score']:g}" if f in per else "" for f in FUNCTIONS],
                     f"{outcome.score:g}", f"{outcome.max_score:g}",
                     record.get("graded_file", ""), "; ".join(record.get("others", []))])
    return _write_atomically(outdir / "grades.csv", _csv_bytes(rows))


def write_lms_file(lms_format: str, records, outcomes, outdir: Path, assignment: str) -> Path:
    """The file the LMS's gradebook import takes. Students without a result get an empty grade
    (the import leaves theirs as it is); students the export did not identify are left out.

    - canvas: the Gradebook's CSV (Student, ID, SIS User ID, SIS Login ID, Section, then one
      column per assignment; a "Points Possible" row) matched on the Canvas user id in ID.
    - moodle: the assignment's offline grading worksheet (Identifier "Participant N", Full
      name, Grade, Maximum Grade, Last modified (grade), Feedback comments), as "Upload grading
      worksheet" takes it.
    """
    top = max((o.max_score for o in outcomes), default=0)
    graded = [(r, o) for r, o in zip(records, outcomes) if r.get("lms") == lms_format]
    if lms_format == "canvas":
        rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment],
                ["Points Possible", "", "", "", "", f"{top:g}"]]
        rows += [[r["name"], r["lms_id"], "", "", "",
                  f"{o.score:g}" if o.max_score or o.status == "unreadable" else ""]
                 for r, o in graded]
    else:
        rows = [["Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)",
                 "Feedback comments"]]
        rows += [[f"Participant {r['lms_id']}", r["name"],
                  f"{o.score:g}" if o.max_score or o.status == "unreadable" else "", f"{top:g}",
                  "", f"Autograder: {o.score:g} / {top:g} ({o.status})"] for r, o in graded]
    return _write_atomically(outdir / LMS_FILES[lms_format], _csv_bytes(rows))


def pass_rates(outdir: Path, students: list[str]) -> list[tuple[str, float, int]]:
    """(test name, fraction of graded submissions with full marks, count), lowest first."""
    passed, seen = {}, {}
    for student in students:
        path = folder_of(outdir, student) / "results.json"
        if not path.is_file():
            continue
        results = load_results(path)
        if results["extra_data"]["status"] == "unreadable":
            continue
        for test in results["tests"]:
            seen[test["name"]] = seen.get(test["name"], 0) + 1
            passed[test["name"]] = passed.get(test["name"], 0) + (test["score"] >= test["max_score"])
    return sorted(((name, passed[name] / seen[name], seen[name]) for name in seen),
                  key=lambda row: (row[1], row[0]))


def summary_lines(outcomes: list[Outcome], rates) -> list[str]:
    import statistics

    statuses = {}
    for outcome in outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    scored = [o.score for o in outcomes if o.max_score]
    top = max((o.max_score for o in outcomes), default=0)
    lines = [f"{len(outcomes)} submissions: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))]
    if scored:
        lines.append(f"scores out of {top:g}: mean {statistics.mean(scored):.1f}, median "
                     f"{statistics.median(scored):g}, min {min(scored):g}, max {max(scored):g}")
    hard = [r for r in rates if r[1] < 1][:8]
    if hard:
        lines.append("checks most often failed (share of readable submissions passing):")
        lines += [f"  {rate:>5.0%}  {name}" for name, rate, _ in hard]
    return [printable(line) for line in lines]


def wrap_label(name: str, width: int = 58, lines: int = 2) -> str:
    """A check name on at most ``lines`` lines of ``width``, broken between words only."""
    import textwrap

    wrapped = textwrap.wrap(name, width, break_long_words=False, break_on_hyphens=False)
    if len(wrapped) > lines:
        last = textwrap.shorten(" ".join(wrapped[lines - 1:]), width, placeholder=" ...")
        wrapped = wrapped[:lines - 1] + [last]
    return "\n".join(wrapped)


def summary_png(outcomes: list[Outcome], rates, out: Path) -> Path:
    """The score histogram beside the pass rate of every check."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    top = max((o.max_score for o in outcomes), default=1) or 1
    names = [wrap_label(name) for name, _, _ in rates]
    height = sum(0.16 + 0.12 * label.count("\n") for label in names)
    fig = Figure(figsize=(14, max(5.0, height + 1.8)), dpi=100)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.5]})
    left.hist([o.score for o in outcomes if o.max_score], bins=20, range=(0, top),
              color="#4477aa", edgecolor="white")
    left.set_xlabel(f"total score (out of {top:g})")
    left.set_ylabel("submissions")
    left.set_title(f"Scores of {len(outcomes)} submissions")
    left.yaxis.get_major_locator().set_params(integer=True)
    values = [rate * 100 for _, rate, _ in rates]
    positions, y = [], 0.0
    for label in names:  # a two-line label gets a taller row
        step = 1 + 0.7 * label.count("\n")
        positions.append(y + step / 2)
        y += step
    right.barh(positions, values, height=0.8,
               color=["#cc6677" if v < 100 else "#44aa99" for v in values])
    right.set_yticks(positions, names, fontsize=7)
    right.set_ylim(y, 0)
    right.set_xlim(0, 100)
    right.set_xlabel("% of readable submissions with full marks")
    right.set_title("Pass rate of every check (hardest first)")
    fig.tight_layout()
    out = Path(out)
    fd, temporary = tempfile.mkstemp(prefix=".summary-", suffix=".png", dir=out.parent)
    with os.fdopen(fd, "wb") as handle:
        fig.savefig(handle, format="png")
    os.chmod(temporary, 0o644)
    os.replace(temporary, out)
    return out
