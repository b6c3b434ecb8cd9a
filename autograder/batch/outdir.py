"""The output folder's layout: who is in the class (roster.json), where a student's files go
(``students/<key>/``, nothing else in it, so no name collides with the class-wide files), and
what a student's folder says of their grading (an ``Outcome``).

A submission counts as graded once its results.json (written atomically when grading ends) is
current: it parses, has the grader's fields, and records the sha256 of the student's file as it
is now and this grader's version (``results.is_current``). Any other results.json (an older
file's, an older grader's, hand-edited, not JSON) is graded again, never trusted. A grader that
failed leaves grader-error.txt instead, whose first line is the status.
"""

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..files import write_atomically
from ..results import SUBMISSION_SHA256, is_current, is_grader_results, provenance
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


def submission_sha256(student) -> str | None:
    """The fingerprint of what is graded of ``student`` now (None: it cannot be read)."""
    return provenance(student.path)[SUBMISSION_SHA256]


def state(outdir: Path, key: str, sha256: str | None) -> str:
    """"graded" (a current results.json), "new" (none), "changed" (the grader's results for
    another file or an older grader) or "untrusted" (a results.json the grader did not write:
    not JSON, or without the grader's fields)."""
    path = results_of(outdir, key)
    if not path.is_file():
        return "new"
    document = read_results(path)
    if not is_grader_results(document):
        return "untrusted"
    return "graded" if is_current(document, sha256) else "changed"


def is_graded(outdir: Path, key: str, sha256: str | None) -> bool:
    return state(outdir, key, sha256) == "graded"


def read_results(path: Path):
    """results.json parsed, or None when it is not JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None


def write_roster(outdir: Path, layout: str, students, sha256: dict | None = None) -> Path:
    """roster.json: every student's record and the fingerprint of their file (``sha256``:
    key -> fingerprint), which tells ``merge`` which results.json are current."""
    sha256 = sha256 or {}
    roster = {"layout": layout, "students": [{**s.record(), "sha256": sha256.get(s.key)}
                                              for s in students]}
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


def outcome_in(outdir: Path, key: str, sha256: str | None) -> Outcome:
    """What the student's folder says: graded (a current results.json), failed (and how), or
    not graded yet (no results.json, or none that is current)."""
    folder = folder_of(outdir, key)
    if is_graded(outdir, key, sha256):
        return outcome_of(key, load_results(folder / RESULTS))
    if (folder / ERROR).is_file():
        status = (folder / ERROR).read_text(encoding="utf-8", errors="replace").split("\n")[0]
        return Outcome(key, status if status in FAILED else "grader error", 0, 0,
                       f"the grader failed on this submission; see {folder / ERROR}")
    return Outcome(key, "not graded", 0, 0)


def record_failure(folder: Path, status: str, details: str, message: str) -> Outcome:
    """A grader's own failure (``status`` one of FAILED), kept in grader-error.txt."""
    write_atomically(folder / ERROR, f"{status}\n{details}")
    (folder / RESULTS).unlink(missing_ok=True)  # an older file's grade is not this one's
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
