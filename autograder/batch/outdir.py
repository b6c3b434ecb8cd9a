"""The output folder's layout: who is in the class (roster.json), where a student's files go
(``students/<key>/``, nothing else in it, so no name collides with the class-wide files), and
what a student's folder says of their grading (an ``Outcome``).

A submission counts as graded once its results.json exists (written atomically when grading
ends); a grader that failed leaves grader-error.txt instead, whose first line is the status.
"""

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..files import write_atomically
from .errors import BatchError

STUDENTS = "students"  # OUTDIR/students/<key>/: one folder per student
ROSTER = "roster.json"
RESULTS = "results.json"
ERROR = "grader-error.txt"
FAILED = ("grader error", "grader timeout")  # the statuses of a grader's own failure


@dataclass
class Outcome:
    student: str
    status: str
    score: float
    max_score: float
    message: str = ""


def folder_of(outdir: Path, key: str) -> Path:
    return Path(outdir) / STUDENTS / key


def results_of(outdir: Path, key: str) -> Path:
    return folder_of(outdir, key) / RESULTS


def is_graded(outdir: Path, key: str) -> bool:
    return results_of(outdir, key).is_file()


def write_roster(outdir: Path, layout: str, students) -> Path:
    roster = {"layout": layout, "students": [s.record() for s in students]}
    return write_atomically(Path(outdir) / ROSTER,
                            json.dumps(roster, indent=1, ensure_ascii=False) + "\n")


def read_roster(outdir: Path) -> dict:
    path = Path(outdir) / ROSTER
    if not path.is_file():
        raise BatchError(f"{outdir} holds no {ROSTER}: it is not the OUTDIR of a batch")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BatchError(f"{path} is damaged: run the batch again to rewrite it") from None


def load_results(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def outcome_of(student: str, results: dict) -> Outcome:
    return Outcome(student, results["extra_data"]["status"], results["score"],
                   sum(t["max_score"] for t in results["tests"]))


def outcome_in(outdir: Path, key: str) -> Outcome:
    """What the student's folder says: graded, failed (and how), or not graded yet."""
    folder = folder_of(outdir, key)
    if (folder / RESULTS).is_file():
        return outcome_of(key, load_results(folder / RESULTS))
    if (folder / ERROR).is_file():
        status = (folder / ERROR).read_text(encoding="utf-8", errors="replace").split("\n")[0]
        return Outcome(key, status if status in FAILED else "grader error", 0, 0,
                       f"the grader failed on this submission; see {folder / ERROR}")
    return Outcome(key, "not graded", 0, 0)


def record_failure(folder: Path, status: str, details: str, message: str) -> Outcome:
    """A grader's own failure (``status`` one of FAILED), kept in grader-error.txt."""
    write_atomically(folder / ERROR, f"{status}\n{details}")
    return Outcome(folder.name, status, 0, 0, message)


def record_graded(folder: Path) -> Outcome:
    """The student's grading ended with results.json: tidy the folder, read the outcome."""
    (folder / ERROR).unlink(missing_ok=True)
    if (folder / ".artifacts" / "source.py").is_file():  # a notebook's code, from its grader
        os.replace(folder / ".artifacts" / "source.py", folder / "source.py")
    return outcome_of(folder.name, load_results(folder / RESULTS))


def save_source(path: Path, folder: Path) -> None:
    """Keep a copy of the code that is graded (for the similarity report), if it can be read."""
    from ..submission import SubmissionError, stage

    with tempfile.TemporaryDirectory(prefix="kmeans-source-") as scratch:
        try:
            staged = stage(path, Path(scratch) / "s")
        except (SubmissionError, OSError, ValueError, RecursionError, MemoryError):
            return
        if staged.suffix == ".py":  # a notebook's code is kept by its grader, from the sandbox
            write_atomically(folder / "source.py", staged.read_bytes())
