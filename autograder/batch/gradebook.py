"""The gradebook: grades.csv, one row per student with a score per graded function, and the
file an LMS's gradebook import takes (written by that LMS's class, ``autograder.lms``)."""

from pathlib import Path

from .. import lms
from ..files import csv_bytes, write_atomically
from ..spec import NAMES as FUNCTIONS
from . import outdir
from .errors import BatchError


def write_gradebook(records: list[dict], outcomes: list[outdir.Outcome], out: Path) -> Path:
    """grades.csv: one row per student, and one per member of a group submission, each with
    the group's grade (written atomically)."""
    rows = [["student", "lms_id", "name", "late", "status", *FUNCTIONS, "total", "max_total",
             "graded_file", "other_files"]]
    for record, outcome in zip(records, outcomes):
        path = outdir.results_of(out, record["key"])
        graded = outdir.is_graded(out, record["key"], record.get("sha256"))
        per = outdir.load_results(path)["extra_data"]["functions"] if graded else {}
        for lms_id, name in lms.people(record):
            rows.append([outcome.student, lms_id, name, record.get("late", ""), outcome.status,
                         *[f"{per[f]['score']:g}" if f in per else "" for f in FUNCTIONS],
                         f"{outcome.score:g}", f"{outcome.max_score:g}",
                         record.get("graded_file", ""), "; ".join(record.get("others", []))])
    return write_atomically(Path(out) / "grades.csv", csv_bytes(rows))


def check_lms(lms_format: str | None) -> None:
    """``--lms``: an LMS whose import file a batch writes, or None."""
    if lms_format not in (None, *lms.IMPORTS):
        raise BatchError(f"--lms must be one of {', '.join(lms.IMPORTS)}, got {lms_format!r}")


def check_layout(lms_format: str | None, layout: str, where) -> None:
    """``--lms`` names the LMS that exported the class (``layout``)."""
    if lms_format and layout != lms_format:
        raise BatchError(f"--lms {lms_format}: {where} is not a {lms_format} export (it looks "
                         f"like a {layout} one)")


def write_lms_file(lms_format: str, records: list[dict], outcomes: list[outdir.Outcome],
                   out: Path, assignment: str, graded: dict | None = None) -> Path:
    """The file ``lms_format``'s gradebook import takes, into ``out`` (``graded``: key ->
    ``lms.Graded`` of each graded student)."""
    return lms.system(lms_format).write_import(records, outcomes, out, assignment, graded)


def write_lms_feedback(lms_format: str, records: list[dict], graded: dict,
                       out: Path) -> Path | None:
    """The zip of feedback pages ``lms_format``'s bulk feedback upload takes, into ``out``
    (None when it takes none)."""
    return lms.system(lms_format).write_feedback(records, graded, out)
