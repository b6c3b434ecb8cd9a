"""LMS exports: one student per LMS identity, names intact, a late flag, and the import files."""

import csv
import subprocess
import sys

import pytest

from autograder import lms, paths

sys.path.insert(0, str(paths.ROOT / "examples"))
import make_sample_class as sample  # noqa: E402

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
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_graded_export_gives_identities_in_the_gradebook_and_the_import_file(layout, tmp_path):
    """Graded for real: a correct student, a broken one, and José (late, three files)."""
    export = sample.make(tmp_path / "export", layout, ["ada_lovelace", "john_backus"])
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "batch", str(export), "--out", str(out),
               "--jobs", "2"] + (["--lms", layout] if layout != "gradescope" else [])
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
    if layout == "moodle":
        table = rows(out / "moodle-grading-worksheet.csv")
        assert table[0][:5] == ["Identifier", "Full name", "Grade", "Maximum Grade",
                                "Last modified (grade)"]
        assert ["Participant 20099", "José Núñez", jose["total"]] in [r[:3] for r in table]
        assert {r[0] for r in table[1:]} == {"Participant 20001", "Participant 20002",
                                             "Participant 20099"}


def test_lms_option_must_match_the_export(tmp_path):
    export = sample.make(tmp_path / "export", "moodle", ["john_backus"])
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(export), "--out",
                           str(tmp_path / "out"), "--lms", "canvas"], capture_output=True,
                          text=True)
    assert done.returncode == 2 and "is not a canvas export" in done.stderr
