"""Grade a whole class: every submission in its own grader process and sandbox, in parallel.

``run`` finds one submission per student in a folder (or a zip of one, as an LMS exports it),
grades the ones not yet graded (``regrade`` grades all again), and writes into OUTDIR:

- ``<student>/results.json``  Gradescope's results, written atomically when grading ends
- ``<student>/feedback.html`` the student's feedback page
- ``grades.csv``              the gradebook: one row per submission, score per function
- ``summary.png``             the score histogram and the pass rate of every check

A batch that is interrupted, even killed, loses nothing: a submission counts as done only once
its results.json exists, so running the same command again grades the rest.
"""

import concurrent.futures
import csv
import io
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import feedback
from .grading import FUNCTIONS, write_results

SKIPPED_NAMES = {"__MACOSX", ".DS_Store", "Thumbs.db", "grades.csv"}
MAX_CLASS_ZIP_BYTES = 2 << 30  # extracted size of a class zip
MAX_MEMBER_BYTES = 200 << 20
SUBMISSION_SECONDS = 900  # a whole submission's grading, a backstop behind the per-call limits
BATCH_PID = "KMEANS_BATCH_PID"  # set for the grader processes a batch starts
# How a grader process ends when it is interrupted: its own exit status, or the signal.
INTERRUPTED = {130, -signal.SIGINT, -signal.SIGTERM}
_RUNNING = set()  # the grader processes running now, stopped if the batch is interrupted
_RUNNING_LOCK = threading.Lock()


class BatchError(Exception):
    """The batch cannot run (bad SUBMISSIONS or OUTDIR); the message says why."""


@dataclass
class Entry:
    student: str
    path: Path


def student_id(name: str) -> str:
    """A safe folder name for a submission: its file name without extension."""
    stem = re.sub(r"\.(zip|py|ipynb)$", "", name, flags=re.IGNORECASE)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "submission"
    return safe[:100]


def find_entries(submissions: Path, workdir: Path, outdir: Path | None = None) -> list[Entry]:
    """One entry per student: the files, folders and zips directly inside ``submissions``
    (``outdir``, the batch's own output, is not one, even when it is kept among them)."""
    submissions = Path(submissions)
    if submissions.is_file():
        if not zipfile.is_zipfile(submissions):
            raise BatchError(f"{submissions} is neither a folder nor a zip of submissions")
        folder = workdir / "extracted"
        if folder.exists():
            shutil.rmtree(folder)
        safe_extract(submissions, folder)
        submissions = folder
        # An LMS zip often wraps everything in one folder: look inside it.
        children = [c for c in folder.iterdir() if c.name not in SKIPPED_NAMES]
        if len(children) == 1 and children[0].is_dir():
            submissions = children[0]
    entries, seen = [], set()
    for child in sorted(submissions.iterdir()):
        if (child.name in SKIPPED_NAMES or child.name.startswith(".") or child.is_symlink()
                or (outdir is not None and child.resolve() == Path(outdir).resolve())):
            continue
        student = student_id(child.name)
        unique, n = student, 2
        while unique in seen:
            unique, n = f"{student}-{n}", n + 1
        seen.add(unique)
        entries.append(Entry(unique, child))
    if not entries:
        raise BatchError(f"there are no submissions in {submissions}")
    return entries


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
                                     f"submissions should ({info.filename})")
                target.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
    except (zipfile.BadZipFile, OSError, NotImplementedError) as error:
        raise BatchError(f"{archive.name} cannot be read as a zip: {error}") from None


@dataclass
class Outcome:
    student: str
    status: str
    score: float
    max_score: float
    message: str = ""


def grade_one(entry: Entry, outdir: Path) -> Outcome:
    """Grade one submission in its own grader process; write its results and feedback."""
    folder = outdir / entry.student
    folder.mkdir(parents=True, exist_ok=True)
    results_path = folder / "results.json"
    command = [sys.executable, "-m", "autograder", "grade", str(entry.path), "--out",
               str(results_path), "--artifacts", str(folder / ".artifacts")]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          stdin=subprocess.DEVNULL,
                          env={**os.environ, BATCH_PID: str(os.getpid())}) as process:
        with _RUNNING_LOCK:
            _RUNNING.add(process)
        try:
            _, stderr = process.communicate(timeout=SUBMISSION_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return Outcome(entry.student, "grader timeout", 0, 0,
                           f"grading took longer than {SUBMISSION_SECONDS} s; not recorded")
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(process)
    if process.returncode in INTERRUPTED:
        return Outcome(entry.student, "interrupted", 0, 0, "interrupted; not recorded")
    if process.returncode != 0:
        (folder / "grader-error.txt").write_text(stderr[-20000:], encoding="utf-8")
        return Outcome(entry.student, "grader error", 0, 0,
                       f"the grader failed on this submission; see {folder / 'grader-error.txt'}")
    results = load_results(results_path)
    feedback.write(results, entry.student, folder / "feedback.html", folder / ".artifacts")
    return outcome_of(entry.student, results)


def stop_with_batch() -> None:
    """In a grader process a batch started: stop when the batch stops, even if it is killed.

    The kernel sends SIGTERM when the batch dies; SIGTERM is turned into KeyboardInterrupt so
    the grader's cleanup (its sandbox and temporary folders) runs. No results are written, and
    the batch, run again, grades the submission from the start.
    """
    parent = os.environ.get(BATCH_PID)
    if not parent:
        return
    from .sandbox import die_with_parent

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    die_with_parent(signal.SIGTERM)
    if str(os.getppid()) != parent:  # the batch died before the line above took effect
        raise KeyboardInterrupt


def load_results(path: Path) -> dict:
    import json

    return json.loads(path.read_text(encoding="utf-8"))


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
            text = f"{self.done}/{self.total} {outcome.student}: {score} ({outcome.status})"
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


def run(submissions, outdir, jobs: int | None = None, regrade: bool = False,
        progress_stream=sys.stderr):
    """Grade every submission not yet graded; rebuild the gradebook and the summary.

    Returns the outcome of every submission and the pass rate of every check.
    """
    outdir = Path(outdir)
    if not Path(submissions).exists():
        raise BatchError(f"{submissions} does not exist")
    if Path(submissions).resolve() == outdir.resolve():
        raise BatchError("--out must be a folder of its own, not the submissions folder")
    outdir.mkdir(parents=True, exist_ok=True)
    entries = find_entries(Path(submissions), outdir / ".work", outdir)
    todo = [e for e in entries if regrade or not (outdir / e.student / "results.json").is_file()]
    jobs = max(1, jobs or os.cpu_count() or 1)
    failures = {}
    already = len(entries) - len(todo)
    progress_stream.write(f"grading {len(todo)} of {len(entries)} submissions with {jobs} "
                          f"job(s)" + (f"; {already} already graded (--regrade to grade them "
                                       f"again)" if already else "") + "\n")
    if todo:
        progress = Progress(len(todo), progress_stream)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
        try:
            futures = [pool.submit(grade_one, entry, outdir) for entry in todo]
            for future in concurrent.futures.as_completed(futures):
                outcome = future.result()
                if outcome.status in ("grader error", "grader timeout"):
                    failures[outcome.student] = outcome
                progress.update(outcome)
        except KeyboardInterrupt:
            # Stop now: nothing new starts, and the running graders clean up and exit. What
            # was graded stays graded; running the command again grades the rest.
            with _RUNNING_LOCK:
                for process in _RUNNING:
                    process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
            progress.interrupted()
            raise
        pool.shutdown()
    outcomes = []
    for entry in entries:
        folder = outdir / entry.student
        path = folder / "results.json"
        if entry.student in failures or not path.is_file():
            outcomes.append(failures.get(entry.student) or Outcome(entry.student, "not graded", 0, 0))
            continue
        results = load_results(path)
        if not (folder / "feedback.html").is_file():  # stopped between results and feedback
            feedback.write(results, entry.student, folder / "feedback.html", folder / ".artifacts")
        outcomes.append(outcome_of(entry.student, results))
    write_gradebook(entries, outcomes, outdir)
    rates = pass_rates(outdir, [e.student for e in entries])
    summary_png(outcomes, rates, outdir / "summary.png")
    return outcomes, rates


def write_gradebook(entries: list[Entry], outcomes: list[Outcome], outdir: Path) -> Path:
    """grades.csv: one row per submission (written atomically)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "status", *FUNCTIONS, "total", "max_total"])
    for entry, outcome in zip(entries, outcomes):
        path = outdir / entry.student / "results.json"
        per = load_results(path)["extra_data"]["functions"] if path.is_file() and \
            outcome.status not in ("grader error", "grader timeout", "not graded") else {}
        writer.writerow([outcome.student, outcome.status,
                         *[f"{per[f]['score']:g}" if f in per else "" for f in FUNCTIONS],
                         f"{outcome.score:g}", f"{outcome.max_score:g}"])
    target = outdir / "grades.csv"
    fd, temporary = tempfile.mkstemp(prefix=".grades-", dir=outdir)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(buffer.getvalue())
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
    return target


def pass_rates(outdir: Path, students: list[str]) -> list[tuple[str, float, int]]:
    """(test name, fraction of graded submissions with full marks, count), lowest first."""
    passed, seen = {}, {}
    for student in students:
        path = outdir / student / "results.json"
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
    return lines


def summary_png(outcomes: list[Outcome], rates, out: Path) -> Path:
    """The score histogram beside the pass rate of every check."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    top = max((o.max_score for o in outcomes), default=1) or 1
    fig = Figure(figsize=(13, max(5, 0.22 * len(rates) + 1.5)), dpi=100)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    left.hist([o.score for o in outcomes if o.max_score], bins=20, range=(0, top),
              color="#4477aa", edgecolor="white")
    left.set_xlabel(f"total score (out of {top:g})")
    left.set_ylabel("submissions")
    left.set_title(f"Scores of {len(outcomes)} submissions")
    left.yaxis.get_major_locator().set_params(integer=True)
    names = [name if len(name) <= 72 else name[:52] + "..." + name[-17:] for name, _, _ in rates]
    values = [rate * 100 for _, rate, _ in rates]
    right.barh(range(len(rates)), values, color=["#cc6677" if v < 100 else "#44aa99" for v in values])
    right.set_yticks(range(len(rates)), names, fontsize=7)
    right.invert_yaxis()
    right.set_xlim(0, 100)
    right.set_xlabel("% of readable submissions with full marks")
    right.set_title("Pass rate of every check (hardest first)")
    fig.tight_layout()
    out = Path(out)
    temporary = out.with_name(f".{out.stem}.tmp.png")
    fig.savefig(temporary, format="png")
    temporary.replace(out)
    return out
