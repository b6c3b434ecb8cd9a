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
- the LMS's import file (``canvas-import.csv``, ``moodle-grading-worksheet.csv``), with ``lms``,
  and the zip of feedback pages its bulk feedback upload takes (``canvas-feedback.zip``,
  ``moodle-feedback-files.zip``)

A batch that is interrupted, even killed, loses nothing: a submission counts as done only once
its results.json is current (``outdir.state``: written by this grader, for the student's file
as it is now), so running the same command again grades the rest, and a newer export's new or
changed files; a results.json the grader did not write is graded again, never trusted. Shards (``shard``
= (I, N)) grade disjoint parts of the class into the same OUTDIR, each student in exactly one
shard; ``merge`` then builds the class-wide files and lists who is missing.

The rooms: intake.py (the class, class zips, shards), outdir.py (OUTDIR's layout),
processes.py and grader.py (the grader processes, the batch's side and theirs), gradebook.py
(grades.csv and the LMS file), summary.py (progress, the closing lines, summary.png).
"""

import os
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from .. import feedback, lms, paths, sandbox
from . import outdir, strays
from .errors import BatchError
from .gradebook import (check_layout, check_lms, write_gradebook, write_lms_feedback,
                        write_lms_file)
from .intake import find_students, of_shard, parse_shard
from .outdir import FAILED, Outcome
from .processes import BATCH_PID, grade_all, stop_server
from .summary import Progress, Report, pass_rates, summary_lines, summary_png

__all__ = ["BATCH_PID", "FAILED", "BatchError", "Outcome", "Report", "merge", "parse_shard",
           "run", "summary_lines"]


def isolation_warning() -> str | None:
    """The sandbox's warning when student code cannot run under bubblewrap here, else None."""
    from ..grading import detect_isolation, isolation_note

    isolation = detect_isolation()
    return None if isolation.strongest else isolation_note(isolation)


def run(submissions, out, jobs: int | None = None, regrade: bool = False,
        progress_stream=sys.stderr, shard: tuple[int, int] | None = None,
        lms_format: str | None = None, assignment: str = "K-means",
        show_hidden_images: bool = False) -> Report:
    """Grade every student not yet graded (of shard (I, N) only, if given); unless this is a
    shard, build the gradebook, summary, similarity report and LMS file (``merge``)."""
    out = Path(out)
    if not Path(submissions).exists():
        raise BatchError(f"{submissions} does not exist")
    if Path(submissions).resolve() == out.resolve():
        raise BatchError("--out must be a folder of its own, not the submissions folder")
    check_lms(lms_format)
    for needed in paths.grading_inputs():
        paths.require(needed)  # a broken installation says so once, before any grader starts
    warning = isolation_warning()  # an isolation that cannot run here stops us before anything
    (out / outdir.STUDENTS).mkdir(parents=True, exist_ok=True)
    (out / ".work").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="batch-", dir=out / ".work"))
    strays.remove_stale_temporary_folders()
    temporary_root = strays.temporary_root()
    try:
        layout, students = find_students(Path(submissions), work, out)
        check_layout(lms_format, layout, submissions)
        sha256 = {s.key: outdir.submission_sha256(s) for s in students}
        outdir.write_roster(out, layout, students, sha256)
        mine = of_shard(students, shard)
        states = {s.key: outdir.state(out, s.key, sha256[s.key]) for s in mine}
        todo = [s for s in mine if regrade or states[s.key] != "graded"]
        jobs = max(1, jobs or os.cpu_count() or 1)
        already = len(mine) - len(todo)
        where = f" (shard {shard[0]}/{shard[1]} of a class of {len(students)})" if shard else ""
        progress_stream.write(
            f"grading {len(todo)} of {len(mine)} submissions{where} with {jobs} job(s)"
            + why(states, regrade and already == 0 and len(todo))
            + (f"; {already} already graded (--regrade to grade them again)" if already else "")
            + (f"; {layout} export" if layout != "plain" else "") + "\n")
        if todo and warning:
            progress_stream.write(warning + "\n")
        if todo:
            grade_all(todo, out, jobs, temporary_root, Progress(len(todo), progress_stream))
    finally:
        stop_server()
        sandbox.remove_tree(work)
        strays.remove(temporary_root)
    if shard is not None:
        outcomes = [outdir.outcome_in(out, s.key, sha256[s.key]) for s in mine]
        return Report(outcomes, [], [o.student for o in outcomes if o.status == "not graded"],
                      layout, shard, out=out)
    return merge(out, lms_format, assignment, show_hidden_images)


def why(states: dict, everyone: bool) -> str:
    """What is graded and why: ": 1 new, 1 changed, 1 with a results.json the grader did not
    write" (nothing when grading everyone again, with --regrade)."""
    if everyone:
        return ""
    counts = [(sum(1 for s in states.values() if s == state), words) for state, words in
              (("new", "new"), ("changed", "changed"),
               ("untrusted", "with a results.json the grader did not write"))]
    return (": " + ", ".join(f"{n} {words}" for n, words in counts if n)
            if any(n for n, _ in counts) else "")


def merge(out, lms_format: str | None = None, assignment: str = "K-means",
          show_hidden_images: bool = False) -> Report:
    """Build grades.csv, summary.png, similarity.html, every feedback page and (with
    ``lms_format``) the LMS's import file from what was graded into OUTDIR; list who is
    missing."""
    from .. import similarity

    out = Path(out)
    check_lms(lms_format)
    roster = outdir.read_roster(out)
    layout = roster.get("layout", "plain")
    check_layout(lms_format, layout, f"the class in {out}")
    records = roster["students"]
    outcomes = [outdir.outcome_in(out, record["key"], record.get("sha256")) for record in records]
    graded = [record["key"] for record in records
              if outdir.is_graded(out, record["key"], record.get("sha256"))]
    sent = {}  # key -> lms.Graded: what the LMS files carry of each graded student
    for record in records:
        folder = outdir.folder_of(out, record["key"])
        if record["key"] in graded:
            results = outdir.load_results(folder / outdir.RESULTS)
            name = record.get("name") or record["key"]
            page = feedback.write(results, name, folder / "feedback.html", folder / ".artifacts",
                                  show_hidden_images)
            if lms_format:  # students get the page without the hidden images
                page = (feedback.render(results, name, folder / ".artifacts")
                        if show_hidden_images else page.read_text(encoding="utf-8"))
                when = datetime.fromtimestamp((folder / outdir.RESULTS).stat().st_mtime)
                sent[record["key"]] = lms.Graded(results, when, page)
    write_gradebook(records, outcomes, out)
    rates = pass_rates(out, graded)
    summary_png(outcomes, rates, out / "summary.png")
    sources = {}
    for record in records:
        path = outdir.folder_of(out, record["key"]) / "source.py"
        if path.is_file():
            sources[record["key"]] = path.read_text(encoding="utf-8", errors="replace")
    similarity.write_report(sources, out / "similarity.html",
                            {r["key"]: r.get("name", "") for r in records})
    lms_file = write_lms_file(lms_format, records, outcomes, out, assignment, sent) \
        if lms_format else None
    lms_feedback = write_lms_feedback(lms_format, records, sent, out) if lms_format else None
    missing = [o.student for o in outcomes if o.status == "not graded"]
    return Report(outcomes, rates, missing, layout, None, lms_file, out, lms_feedback)
