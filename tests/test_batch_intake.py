"""Which file is the submission: one rule (``submission.pick``) in every layout a batch reads,
the graded file and the others named in the student's results."""

import json
import os
import subprocess
import sys
import zipfile

import pytest

from autograder import lms
from autograder.submission import SubmissionError, stage_submission
from conftest import build

NOTES = b"I used the lecture's hints.\n"


def canvas(folder, code):
    (folder / "lovelaceada_1001_5001_my_kmeans.py").write_bytes(code)
    (folder / "lovelaceada_1001_5001_notes.txt").write_bytes(NOTES)
    (folder / "turingalan_1002_5002_work.zip").write_bytes(zipped({"alan/ada.py": code}))


def moodle(folder, code):
    ada = folder / "Ada Lovelace_20001_assignsubmission_file_"
    ada.mkdir()
    (ada / "ada_lovelace.zip").write_bytes(zipped({"ada_lovelace.py": code, "notes.txt": NOTES}))
    (folder / "Alan Turing_20002_assignsubmission_file_ada.py").write_bytes(code)


def gradescope(folder, code):
    for n, files in enumerate(({"ada_lovelace.py": code, "notes.txt": NOTES},
                               {"work/ada.py": code})):
        (folder / f"submission_{300001 + n}").mkdir()
        for name, data in files.items():
            (folder / f"submission_{300001 + n}" / name).parent.mkdir(exist_ok=True)
            (folder / f"submission_{300001 + n}" / name).write_bytes(data)
    (folder / lms.METADATA).write_text(
        "submission_300001:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '1'\n"
        "submission_300002:\n  :submitters:\n  - :name: Alan Turing\n    :sid: '2'\n")


def plain(folder, code):
    (folder / "ada_lovelace").mkdir()
    (folder / "ada_lovelace" / "ada_lovelace.py").write_bytes(code)
    (folder / "ada_lovelace" / "notes.txt").write_bytes(NOTES)
    (folder / "alan_turing.zip").write_bytes(zipped({"alan_turing/ada.py": code}))


def zipped(files: dict) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


LAYOUTS = {"canvas": canvas, "moodle": moodle, "gradescope": gradescope, "plain": plain}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_only_py_file_is_graded_in_every_layout_and_the_others_are_named(layout, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    LAYOUTS[layout](folder, b"CODE = 1\n")
    found, students = lms.read_class(folder)
    assert found == layout and len(students) == 2
    for n, student in enumerate(students):
        staged = stage_submission(student.path, tmp_path / f"staged-{n}")
        assert staged.path.read_bytes() == b"CODE = 1\n", student
        assert staged.path.name == "kmeans.py"
        handed_in = set(staged.others) | set(student.others)
        assert handed_in == ({"notes.txt"} if n == 0 else set()), (student, staged)


@pytest.mark.parametrize("layout", ["moodle", "gradescope"])
def test_a_folder_with_no_single_file_to_grade_is_refused_listing_it(layout, tmp_path):
    """Two .py files and no kmeans.py: the LMS grades the student's folder, which the rule
    refuses in one line (not the first .py by name, not a batch failure)."""
    folder = tmp_path / "class"
    folder.mkdir()
    entry = (folder / "submission_300001" if layout == "gradescope"
             else folder / "Ada Lovelace_20001_assignsubmission_file_")
    entry.mkdir()
    (entry / "part1.py").write_text("A = 1\n")
    (entry / "part2.py").write_text("B = 1\n")
    if layout == "gradescope":
        (folder / lms.METADATA).write_text("submission_300001:\n  :submitters: []\n")
    _, (student,) = lms.read_class(folder)
    assert student.path == entry and student.graded_file == ""
    assert student.others == ["part1.py", "part2.py"]
    with pytest.raises(SubmissionError, match=r"several .py files \(part1.py, part2.py\)"):
        stage_submission(student.path, tmp_path / "staged")


def test_a_batch_grades_the_file_the_rule_picks_and_says_so_in_the_results(tmp_path):
    """Moodle: a zip holding ada_lovelace.py and notes is graded (not 'unreadable'); a folder
    of two .py files is a verdict for that student, named in its results."""
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    (tmp_path / "built").mkdir()
    code = build("correct_broadcast.py", tmp_path / "built").read_bytes()
    moodle(folder, code)
    two = folder / "Grace Hopper_20003_assignsubmission_file_"
    two.mkdir()
    (two / "part1.py").write_bytes(code)
    (two / "part2.py").write_bytes(code)
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(folder), "--out",
                           str(out), "--jobs", "2"], capture_output=True, text=True,
                          timeout=900, env={**os.environ, "KMEANS_SANDBOX": "fallback"})
    assert done.returncode == 0, done.stdout + done.stderr
    results = {key: json.loads((out / "students" / key / "results.json").read_text())
               for key in ("20001", "20002", "20003")}
    ada, alan, grace = results["20001"], results["20002"], results["20003"]
    full = sum(t["max_score"] for t in ada["tests"])
    assert ada["score"] == alan["score"] == full
    assert ("Graded ada_lovelace.zip: ada_lovelace.py; also handed in: notes.txt "
            "(not graded).") in ada["output"]
    assert "Graded Alan Turing_20002_assignsubmission_file_ada.py." in alan["output"]
    assert grace["extra_data"]["status"] == "unreadable" and grace["score"] == 0
    assert grace["output"].splitlines()[0] == (
        "Grace Hopper_20003_assignsubmission_file_ holds no kmeans.py and several .py files "
        "(part1.py, part2.py): name the one to grade kmeans.py.")


def test_loose_uploads_with_no_single_file_to_grade_are_refused_listing_them(tmp_path):
    """Canvas: two .py uploads and no kmeans.py are that student's one-line verdict (not the
    first by name); a student with one .py upload beside them is graded as usual."""
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    (tmp_path / "built").mkdir()
    code = build("correct_broadcast.py", tmp_path / "built").read_bytes()
    (folder / "hoppergrace_1003_6001_part1.py").write_bytes(code)
    (folder / "hoppergrace_1003_6002_part2.py").write_bytes(code)
    (folder / "lovelaceada_1001_5001_my_kmeans.py").write_bytes(code)
    (folder / "lovelaceada_1001_5003_notes.txt").write_bytes(NOTES)
    found, students = lms.read_class(folder)
    grace = next(s for s in students if s.lms_id == "1003")
    assert found == "canvas" and grace.graded_file == ""
    assert grace.others == ["part1.py", "part2.py"]
    assert "several .py files (part1.py, part2.py)" in grace.refused
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(folder), "--out",
                           str(out), "--jobs", "2"], capture_output=True, text=True,
                          timeout=900, env={**os.environ, "KMEANS_SANDBOX": "fallback"})
    assert done.returncode == 0, done.stdout + done.stderr
    ada, grace = (json.loads((out / "students" / key / "results.json").read_text())
                  for key in ("1001", "1003"))
    assert ada["score"] == sum(t["max_score"] for t in ada["tests"])
    assert "Graded lovelaceada_1001_5001_my_kmeans.py; also handed in: notes.txt" in ada["output"]
    assert grace["extra_data"]["status"] == "unreadable" and grace["score"] == 0
    assert "holds no kmeans.py and several .py files (part1.py, part2.py)" in grace["output"]
    assert not (out / "students" / "1003" / "source.py").exists()  # not compared with others
