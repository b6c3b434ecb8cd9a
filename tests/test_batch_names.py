"""Names are data: entries named like the batch's own files, formula-like names, terminal escapes."""

import csv
import os
import subprocess
import sys

import pytest

from autograder import batch, paths
from autograder.files import printable, spreadsheet_cell
from conftest import build

ESCAPES = "\x1b[2J\x1b]0;owned\x07\x9b31m\u202e"
# entry name -> golden (None: the stub printing terminal escapes when it loads)
CLASS = {"grades.csv.py": "correct_broadcast.py", "summary.png.py": "broken_syntax.py",
         "similarity.html.py": "broken_syntax.py", "roster.json.py": "broken_syntax.py",
         "students.py": "broken_syntax.py", "-rf.py": None,
         "=1+2_1234_5678_kmeans.py": "broken_syntax.py"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("names")
    submissions, out = folder / "class", folder / "out"
    submissions.mkdir()
    for name, golden in CLASS.items():
        if golden is None:
            source = paths.STUB.read_text() + f"\nprint({ESCAPES!r})\n"
            (submissions / name).write_text(source, encoding="utf-8")
        else:
            (folder / name).mkdir()
            build(golden, folder / name).rename(submissions / name)
    command = [sys.executable, "-m", "autograder", "batch", str(submissions), "--out", str(out),
               "--jobs", "2"]
    environment = {**os.environ, "KMEANS_SANDBOX": "fallback"}
    first = subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment)
    again = subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment)
    return out, first, again


def test_entries_named_like_the_batch_outputs_collide_with_nothing(graded):
    out, first, again = graded
    assert first.returncode == 0, first.stderr
    assert again.returncode == 0 and "grading 0 of 7 submissions" in again.stderr
    for done in (first, again):
        assert "7 submissions:" in done.stdout
    assert (out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "similarity.html").read_text().startswith("<!DOCTYPE html>")
    book = list(csv.DictReader(open(out / "grades.csv", encoding="utf-8")))
    students = {row["student"]: row for row in book}
    assert len(book) == 7
    assert students["grades.csv"]["total"] == students["grades.csv"]["max_total"] != "0"
    for key in ("summary.png", "similarity.html", "roster.json", "students"):
        assert students[key]["status"] == "unreadable"
        assert (out / "students" / key / "results.json").is_file()


def test_formula_like_cells_are_neutralised(graded):
    out, _, _ = graded
    book = list(csv.DictReader(open(out / "grades.csv", encoding="utf-8")))
    assert "'-rf" in [row["student"] for row in book]
    canvas = [row for row in book if row["lms_id"] == "1234"]
    assert canvas and canvas[0]["name"] == "'=1+2"
    for row in book:
        for cell in row.values():
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), row


def test_terminal_output_has_no_raw_control_characters_and_says_how_code_was_isolated(graded):
    _, first, again = graded
    for done in (first, again):
        for text in (done.stdout, done.stderr):
            assert not any(c in text for c in "\x1b\x07\x9b\u202e"), text
    assert "(bubblewrap could not run here)" in first.stderr  # KMEANS_SANDBOX=fallback


def test_printable_and_spreadsheet_cell():
    assert printable("a\x1b[2Jb\tc\u202ed é") == "a\\x1b[2Jb\\x09c\\u202ed é"
    assert [spreadsheet_cell(v) for v in ("=A1", "+1", "-2", "@x", "\tx", "\rx", "ok", 3.0)] \
        == ["'=A1", "'+1", "'-2", "'@x", "'\tx", "'\rx", "ok", "3"]
