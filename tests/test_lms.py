"""LMS exports: one student per LMS identity, names intact, a late flag, and the import files."""

import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from autograder import lms, paths

sys.path.insert(0, str(paths.ROOT / "examples"))
import make_sample_class as sample  # noqa: E402
from conftest import build  # noqa: E402

LAYOUTS = ("canvas", "moodle", "gradescope")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_export_of_the_sample_class_gives_one_student_per_identity(layout, tmp_path):
    """Eleven students (José uploaded three files), full names, metadata never a student."""
    found, students = lms.read_class(sample.make(tmp_path / layout, layout))
    assert found == layout
    assert len(students) == len(sample.CLASS) + 1
    assert len({s.lms_id for s in students}) == len(students)
    jose = [s for s in students if "1099" in s.lms_id or "20099" in s.lms_id
            or s.name == sample.LATE_STUDENT]
    assert len(jose) == 1
    jose = jose[0]
    assert "notes.txt" in jose.others and jose.path.name != "notes.txt"
    if layout == "canvas":
        # Canvas squashes the name; the letters stay as they are, accents and all.
        assert jose.name == "núñezjosé" and jose.late == "yes" and jose.graded_file == "kmeans-1.py"
        assert jose.others == ["kmeans.py", "notes.txt"]
        assert {s.late for s in students if s is not jose} == {"no"}
    else:
        assert jose.name == "José Núñez" and jose.late == ""
        assert jose.graded_file == "kmeans.py"
    if layout == "moodle":
        assert jose.others == ["kmeans_old.py", "notes.txt", "onlinetext.html"]
    if layout == "gradescope":
        assert lms.METADATA not in [s.key for s in students] and jose.lms_id == "7011"
    names = {s.name for s in students}
    assert ("Grace Hopper" in names) or ("hoppergrace" in names)


def test_the_graded_file_rule():
    """kmeans.py first (its latest upload), then any .py, a notebook, a zip, anything else."""
    uploads = ["notes.txt", "work.zip", "analysis.ipynb", "helpers.py", "kmeans.py", "kmeans-2.py",
               "kmeans-1.py"]
    assert sorted(uploads, key=lms.rank) == ["kmeans-2.py", "kmeans-1.py", "kmeans.py",
                                             "helpers.py", "analysis.ipynb", "work.zip",
                                             "notes.txt"]


def test_entries_that_follow_no_pattern_are_plain_students_and_litter_is_skipped(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "smithjane_12_34_kmeans.py").write_text("x = 1\n")
    (folder / "smithjane_12_34_kmeans-1.py").write_text("x = 2\n")
    (folder / "José Núñez.py").write_text("x = 3\n")
    for litter in (".DS_Store", "Thumbs.db", lms.METADATA, "._kmeans.py"):
        (folder / litter).write_text("")
    layout, students = lms.read_class(folder)
    assert layout == "canvas"
    assert [(s.key, s.lms, s.name, s.graded_file) for s in students] == [
        ("12", "canvas", "smithjane", "kmeans-1.py"), ("Jos%C3%A9%20N%C3%BA%C3%B1ez", "", "José Núñez", "José Núñez.py")]


def test_broken_gradescope_metadata_is_one_line(tmp_path):
    folder = tmp_path / "class"
    (folder / "submission_1").mkdir(parents=True)
    (folder / lms.METADATA).write_text("submission_1: [unclosed\n")
    with pytest.raises(lms.LmsError, match="cannot be read as YAML"):
        lms.read_class(folder)
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(folder), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1


def rows(path):
    """A CSV's rows; it must be UTF-8 (Moodle's worksheet upload says so; Canvas reads it)."""
    return list(csv.reader(io.StringIO(Path(path).read_bytes().decode("utf-8"), newline="")))


def feedback_zip(path) -> dict:
    """name -> text of each entry of a feedback zip, every one a student's feedback page (a
    name that is not ASCII flagged as UTF-8, as the LMSes' unzippers read it)."""
    with zipfile.ZipFile(path) as archive:
        pages = {info.filename: archive.read(info).decode("utf-8")
                 for info in archive.infolist()}
        assert all(info.flag_bits & 0x800 for info in archive.infolist()
                   if not info.filename.isascii())
    for text in pages.values():
        assert text.startswith("<!DOCTYPE html>") and "K-means assignment: feedback for" in text
        assert "data:image/png" not in text  # never the hidden images
    return pages


def moodle_reads(name: str):
    """What Moodle's "Upload multiple feedback files in a zip" reads from an entry's path
    (assignfeedback_file_zip_importer: each folder split at the first four ``_``, the second
    part a number): (participant id, plugin type, plugin name, file name), or None."""
    parts = name.split("/")
    while parts:
        info = parts.pop(0).split("_", 4)
        if len(info) < 4 or not info[1].isdigit():
            continue
        return int(info[1]), info[2], info[3], "/".join([info[4] if len(info) > 4 else ""]
                                                        + parts)
    return None


def canvas_reads(name: str):
    """What Canvas's "Re-Upload Submissions" reads from a file's name (the first two parts
    between ``_`` that are all digits): (user id, submitted file's id)."""
    return tuple([part for part in name.rpartition("/")[2].split("_")
                  if re.fullmatch(r"\d+", part)][:2])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_graded_export_gives_identities_in_the_gradebook_and_the_import_file(layout, tmp_path):
    """Graded for real: a correct student, a broken one, and José (late, three files)."""
    export = sample.make(tmp_path / "export", layout, ["ada_lovelace", "john_backus"])
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "batch", str(export), "--out", str(out),
               "--jobs", "2"] + (["--lms", layout] if layout != "gradescope" else []) \
        + (["--show-hidden-images"] if layout == "moodle" else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"{layout} export" in done.stderr
    book = {r["name"]: r for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    jose = book["núñezjosé" if layout == "canvas" else "José Núñez"]
    ada = book["lovelaceada" if layout == "canvas" else "Ada Lovelace"]
    john = book["backusjohn" if layout == "canvas" else "John Backus"]
    assert len(book) == 3
    # José's graded upload is the correct one (the second); the first would lose points.
    assert jose["total"] == jose["max_total"] == ada["total"]
    assert "notes.txt" in jose["other_files"]
    assert jose["late"] == ("yes" if layout == "canvas" else "")
    assert john["status"] == "unreadable" and john["total"] == "0"
    if layout == "canvas":
        table = rows(out / "canvas-import.csv")
        assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "K-means"]
        assert table[1][0] == "Points Possible" and table[1][5] == ada["max_total"]
        assert sorted(r[1] for r in table[2:]) == ["1001", "1002", "1099"]
        assert ["núñezjosé", "1099", "", "", "", jose["total"]] in table
        # Re-Upload Submissions: each page under (user id, id of the graded upload).
        pages = feedback_zip(out / "canvas-feedback.zip")
        assert sorted(canvas_reads(name) for name in pages) == [
            ("1001", "5001"), ("1002", "5002"), ("1099", "5099")]
    if layout == "moodle":
        table = rows(out / "moodle-grading-worksheet.csv")
        assert table[0] == ["Identifier", "Full name", "Grade", "Maximum Grade",
                            "Last modified (grade)", "Feedback comments"]
        assert ["Participant 20099", "José Núñez", jose["total"]] in [r[:3] for r in table]
        assert {r[0] for r in table[1:]} == {"Participant 20001", "Participant 20002",
                                             "Participant 20099"}
        for row in table[1:]:  # when each was graded, as Moodle writes it: never blank
            when = datetime.strptime(row[4], "%A, %d %B %Y, %I:%M %p")
            assert abs(datetime.now() - when) < timedelta(minutes=30), row[4]
        john_row = next(r for r in table if r[1] == "John Backus")
        assert john_row[5].startswith(f"<p>Autograder: 0 / {ada['max_total']} (unreadable)</p>")
        # Every check failed with the same message (the file cannot be loaded): one line says so.
        assert john_row[5].count("<li>") == 1 and "SyntaxError" in john_row[5]
        assert re.search(r"<li>find_closest_centroids: .* \(and \d+ more checks with this "
                         r"message\)</li>", john_row[5])
        # The instructor's pages show the hidden images; the students' (in the zip) never do.
        assert "data:image/png" in (out / "students" / "20099" / "feedback.html").read_text()
        pages = feedback_zip(out / "moodle-feedback-files.zip")
        assert sorted(moodle_reads(name) for name in pages) == [
            (20001, "assignfeedback", "file", "/feedback.html"),
            (20002, "assignfeedback", "file", "/feedback.html"),
            (20099, "assignfeedback", "file", "/feedback.html")]
    if layout == "gradescope":
        assert not list(out.glob("*.zip"))  # Gradescope shows its own results


def test_lms_option_must_match_the_export(tmp_path):
    export = sample.make(tmp_path / "export", "moodle", ["john_backus"])
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(export), "--out",
                           str(tmp_path / "out"), "--lms", "canvas"], capture_output=True,
                          text=True)
    assert done.returncode == 2 and "is not a canvas export" in done.stderr


def graded(score, tests, when=datetime(2026, 12, 3, 14, 5)):
    """A graded student's outcome and what the LMS files carry of them."""
    from autograder.batch.outdir import Outcome

    results = {"score": score, "tests": tests}
    return Outcome("k", "graded", score, sum(t["max_score"] for t in tests)), lms.Graded(
        results, when, "<!DOCTYPE html><title>K-means assignment: feedback for k</title>")


def test_the_moodle_worksheet_carries_the_failed_checks_escaped_and_bounded(tmp_path):
    """Feedback comments: the score, then each failed check's first line (HTML-escaped, at
    most ten, each cut), the hidden ones left out; Last modified (grade) as Moodle writes it."""
    tests = [{"name": f"find_closest_centroids: case {n}", "score": 0, "max_score": 1,
              "output": f"<script>alert({n})</script> & more\nsecond line " + "x" * 500,
              "visibility": "visible"} for n in range(12)]
    tests += [{"name": f"find_closest_centroids: again {n}", "score": 0.5, "max_score": 1,
               "output": "<script>alert(0)</script> & more\nother second line",
               "visibility": "visible"} for n in range(2)]
    tests += [{"name": "compute_centroid_means: secret", "score": 0, "max_score": 1,
               "output": "hidden failure", "visibility": "hidden"},
              {"name": "kmeans_init_centroids: ok", "score": 1, "max_score": 1,
               "output": "Passed.", "visibility": "visible"}]
    outcome, work = graded(1, tests)
    record = {"key": "20001", "lms": "moodle", "lms_id": "20001", "name": "Ada Lovelace"}
    path = lms.system("moodle").write_import([record], [outcome], tmp_path, "K-means",
                                             {"20001": work})
    header, row = rows(path)
    assert row[:5] == ["Participant 20001", "Ada Lovelace", "1", "16",
                       "Thursday, 3 December 2026, 2:05 PM"]
    note = row[5]
    assert note.startswith("<p>Autograder: 1 / 16 (graded)</p><p>Failed checks (14):</p><ul>")
    assert note.count("<li>") == 10 and "<p>... and 2 more: see the feedback file.</p>" in note
    assert "case 0: &lt;script&gt;alert(0)&lt;/script&gt; &amp; more (and 2 more checks with " \
           "this message)</li>" in note and "again" not in note
    assert "<script>" not in note and "&lt;script&gt;" in note and "&amp; more" in note
    assert "second line" not in note and "secret" not in note and "init_centroids" not in note
    assert len(note) < 3000
    assert re.sub(r"</?(p|ul|li)>", "", note).count("<") == 0  # no other markup
    # A morning time, a one-digit day: no leading zeros, English names, 12-hour clock.
    outcome, work = graded(14, tests[-1:], datetime(2027, 1, 4, 9, 7))
    path = lms.system("moodle").write_import([record], [outcome], tmp_path, "K-means",
                                             {"20001": work})
    assert rows(path)[1][4:] == ["Monday, 4 January 2027, 9:07 AM", "<p>Autograder: 14 / 1 "
                                 "(graded)</p>"]


def test_feedback_zips_name_each_page_as_the_lms_upload_matches_it(tmp_path):
    """Moodle's folders carry the participant id second whatever the name holds; Canvas's file
    names have the user id and the submitted file's id as their first all-digit parts."""
    outcome, work = graded(1, [{"name": "f: a", "score": 1, "max_score": 1, "output": "Passed.",
                                "visibility": "visible"}])
    moodle = [{"key": "20001", "lms": "moodle", "lms_id": "20001", "name": "Mary_Jane 2_x/y"},
              {"key": "20002", "lms": "moodle", "lms_id": "20002", "name": "Not Graded"}]
    path = lms.system("moodle").write_feedback(moodle, {"20001": work}, tmp_path)
    (name,) = feedback_zip(path)
    assert moodle_reads(name) == (20001, "assignfeedback", "file", "/feedback.html")
    assert name.startswith("Mary Jane 2 x y_20001_")
    canvas = [{"key": "1001", "lms": "canvas", "lms_id": "1001", "name": "2024",
               "file_id": "5001"},
              {"key": "1002", "lms": "canvas", "lms_id": "1002", "name": "hopper", "file_id": ""}]
    path = lms.system("canvas").write_feedback(canvas, {"1001": work, "1002": work}, tmp_path)
    (name,) = feedback_zip(path)  # without the upload's id Canvas could not match the page
    assert canvas_reads(name) == ("1001", "5001") and name.endswith("_feedback.html")
    assert lms.system("gradescope").write_feedback(canvas, {"1001": work}, tmp_path) is None


def test_the_canvas_export_keeps_the_graded_uploads_id(tmp_path):
    export = sample.make(tmp_path / "export", "canvas", ["ada_lovelace"])
    _, students = lms.read_class(export)
    assert {s.lms_id: s.file_id for s in students} == {"1001": "5001", "1099": "5099"}


GROUP = """submission_400001:
  :submitters:
  - :name: Ada Lovelace
    :sid: '123'
    :email: ada@example.edu
  - :name: Charles Babbage
    :sid: ''
    :email: charles@example.edu
  :created_at: 2026-11-20 10:00:00.000000000 -08:00
"""


def test_a_gradescope_group_submission_gives_a_row_per_member(tmp_path):
    """Two submitters of one submission: graded once, a row each in grades.csv (the sid, or
    the email without one) and in any import file written for them."""
    export = tmp_path / "export"
    (export / "submission_400001").mkdir(parents=True)
    (export / lms.METADATA).write_text(GROUP, encoding="utf-8")
    build("correct_broadcast.py", export / "submission_400001")
    _, (student,) = lms.read_class(export)
    assert student.lms_id == "123; charles@example.edu"
    assert student.members == [("123", "Ada Lovelace"), ("charles@example.edu", "Charles Babbage")]
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(export), "--out",
                           str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    book = list(csv.DictReader(open(out / "grades.csv", encoding="utf-8")))
    assert [(r["student"], r["lms_id"], r["name"]) for r in book] == [
        ("submission_400001", "123", "Ada Lovelace"),
        ("submission_400001", "charles@example.edu", "Charles Babbage")]
    assert book[0]["total"] == book[1]["total"] == book[0]["max_total"]
    # The import files take the members from the roster record, one row each.
    (record,) = json.loads((out / "roster.json").read_text(encoding="utf-8"))["students"]
    outcome, work = graded(3, [{"name": "f: a", "score": 3, "max_score": 3, "output": "Passed.",
                                "visibility": "visible"}])
    for system, first in (("moodle", 1), ("canvas", 2)):
        record = dict(record, lms=system)
        table = rows(lms.system(system).write_import([record], [outcome], tmp_path, "K-means",
                                                     {record["key"]: work}))
        assert [r[:2] for r in table[first:]] == (
            [["Participant 123", "Ada Lovelace"],
             ["Participant charles@example.edu", "Charles Babbage"]] if system == "moodle" else
            [["Ada Lovelace", "123"], ["Charles Babbage", "charles@example.edu"]])
