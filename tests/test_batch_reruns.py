"""Reruns never put the wrong grade next to a student: keys come from the LMS's id or the name
itself (never a position in a sort), a file replaced since is graded again, and a results.json
the grader did not write is never trusted."""

import csv
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from autograder import batch, lms, paths
from conftest import build

GOLDEN = {"correct": "correct_broadcast.py", "syntax": "broken_syntax.py"}


@pytest.fixture(autouse=True)
def fallback_sandbox(monkeypatch):
    monkeypatch.setenv("KMEANS_SANDBOX", "fallback")


def source(kind: str, scratch: Path) -> bytes:
    if kind == "stub":
        return paths.STUB.read_bytes()
    scratch.mkdir(parents=True, exist_ok=True)
    return build(GOLDEN[kind], scratch).read_bytes()


def write_class(folder: Path, layout: str, students: dict) -> None:
    """``students``: (id, name) -> kind, written as ``layout`` exports them."""
    if folder.exists():
        for path in sorted(folder.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        folder.rmdir()
    folder.mkdir(parents=True)
    metadata = {}
    for (id_, name), kind in students.items():
        data = source(kind, folder.parent / "scratch" / kind)
        if layout == "plain":
            (folder / f"{name}.py").write_bytes(data)
        elif layout == "canvas":
            (folder / f"{name}_{id_}_{id_}0_kmeans.py").write_bytes(data)
        elif layout == "moodle":
            (folder / f"{name}_{id_}_assignsubmission_file_kmeans.py").write_bytes(data)
        else:
            (folder / f"submission_{id_}").mkdir()
            (folder / f"submission_{id_}" / "kmeans.py").write_bytes(data)
            metadata[f"submission_{id_}"] = {":submitters": [{":name": name, ":sid": id_}]}
    if layout == "gradescope":
        (folder / lms.METADATA).write_text(json.dumps(metadata))  # YAML reads JSON


def grade(submissions: Path, out: Path, **options):
    stream = io.StringIO()
    report = batch.run(submissions, out, jobs=2, progress_stream=stream, **options)
    with open(out / "grades.csv", encoding="utf-8") as handle:
        rows = {r["name"]: (r["graded_file"], r["total"], r["status"])
                for r in csv.DictReader(handle)}
    return stream.getvalue().splitlines()[0], rows, report


def full(out: Path) -> str:
    with open(out / "grades.csv", encoding="utf-8") as handle:
        return max(r["max_total"] for r in csv.DictReader(handle))


def test_chinese_names_keep_their_own_grades_when_a_student_arrives(tmp_path):
    submissions, out = tmp_path / "class", tmp_path / "out"
    write_class(submissions, "plain", {(0, "李静"): "correct", (0, "王伟"): "stub",
                                       (0, "Иван Петров"): "stub"})
    line, rows, _ = grade(submissions, out)
    top = full(out)
    assert rows == {"李静": ("李静.py", top, "graded"), "王伟": ("王伟.py", "0", "graded"),
                    "Иван Петров": ("Иван Петров.py", "0", "graded")}
    write_class(submissions, "plain", {(0, "李静"): "correct", (0, "王伟"): "stub",
                                       (0, "Иван Петров"): "stub", (0, "刘洋"): "syntax"})
    line, rows, _ = grade(submissions, out)
    assert "grading 1 of 4 submissions" in line and ": 1 new; 3 already graded" in line
    assert rows == {"李静": ("李静.py", top, "graded"), "王伟": ("王伟.py", "0", "graded"),
                    "Иван Петров": ("Иван Петров.py", "0", "graded"),
                    "刘洋": ("刘洋.py", "0", "unreadable")}
    page = (out / "students" / lms.escape("刘洋") / "feedback.html").read_text(encoding="utf-8")
    assert "刘洋" in page
    assert (out / "students" / lms.escape("李静") / "source.py").read_bytes() \
        == (submissions / "李静.py").read_bytes()


@pytest.mark.parametrize("layout", ["plain", "canvas", "moodle", "gradescope"])
def test_students_come_go_change_and_are_renamed(layout, tmp_path):
    submissions, out = tmp_path / "class", tmp_path / "out"
    uploaded = {"plain": "{}.py", "canvas": "kmeans.py", "moodle": "kmeans.py",
                "gradescope": "kmeans.py"}[layout]
    named = (lambda n: uploaded.format(n))
    write_class(submissions, layout, {(101, "Ada"): "correct", (102, "Ben"): "stub"})
    line, rows, _ = grade(submissions, out)
    top = full(out)
    assert rows == {"Ada": (named("Ada"), top, "graded"), "Ben": (named("Ben"), "0", "graded")}
    # Cal arrives, Ben leaves, Ada's file is replaced by a broken one.
    write_class(submissions, layout, {(101, "Ada"): "syntax", (103, "Cal"): "correct"})
    line, rows, _ = grade(submissions, out)
    assert "grading 2 of 2 submissions" in line and "1 new, 1 changed" in line
    assert rows == {"Ada": (named("Ada"), "0", "unreadable"),
                    "Cal": (named("Cal"), top, "graded")}
    # Cal is renamed (the same id in an LMS; a new student in a plain folder), Ben is back.
    write_class(submissions, layout, {(101, "Ada"): "syntax", (103, "Cal Renamed"): "correct",
                                      (102, "Ben"): "stub"})
    line, rows, _ = grade(submissions, out)
    if layout == "plain":
        assert "grading 1 of 3 submissions" in line and "1 new; 2 already graded" in line
    else:  # Ben's old results are for the same file; Cal's id is his key
        assert "grading 0 of 3 submissions" in line and "3 already graded" in line
    assert rows == {"Ada": (named("Ada"), "0", "unreadable"),
                    "Cal Renamed": (named("Cal Renamed"), top, "graded"),
                    "Ben": (named("Ben"), "0", "graded")}
    line, again, _ = grade(submissions, out, regrade=True)
    assert "grading 3 of 3 submissions" in line and again == rows


def test_a_results_json_the_grader_did_not_write_is_graded_again(tmp_path):
    submissions, out = tmp_path / "class", tmp_path / "out"
    write_class(submissions, "plain", {(0, name): "stub" for name in "abcd"})
    grade(submissions, out)
    (out / "students" / "a" / "results.json").write_text("{not json")
    edited = json.loads((out / "students" / "b" / "results.json").read_text())
    del edited["extra_data"]  # a TA's hand edit
    edited["score"] = 66
    (out / "students" / "b" / "results.json").write_text(json.dumps(edited))
    plausible = json.loads((out / "students" / "c" / "results.json").read_text())
    plausible["score"] = 66
    plausible["extra_data"]["submission_sha256"] = "0" * 64  # another file's
    (out / "students" / "c" / "results.json").write_text(json.dumps(plausible))
    line, rows, _ = grade(submissions, out)
    assert "grading 3 of 4 submissions" in line
    assert "1 changed, 2 with a results.json the grader did not write" in line
    assert {name: row[1] for name, row in rows.items()} == dict.fromkeys("abcd", "0")
    # merge alone never trusts one either
    (out / "students" / "d" / "results.json").write_text("[]")
    report = batch.merge(out)
    assert {o.student: o.status for o in report.outcomes}["d"] == "not graded"


def test_names_that_are_not_utf8_are_graded_under_a_reversible_key(tmp_path):
    from urllib.parse import unquote_to_bytes

    submissions, out = tmp_path / "class", tmp_path / "out"
    submissions.mkdir()
    stub = paths.STUB.read_bytes()
    (submissions / os.fsdecode(b"caf\xe9.py")).write_bytes(stub)  # latin-1, not UTF-8
    (submissions / "café.py").write_bytes(stub)
    line, rows, report = grade(submissions, out)
    keys = sorted(o.student for o in report.outcomes)
    assert keys == ["caf%C3%A9", "caf%E9"]
    assert unquote_to_bytes("caf%E9") == b"caf\xe9"
    assert rows == {"café": ("café.py", "0", "graded"), "caf\ufffd": ("caf\ufffd.py", "0", "graded")}
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("café.py", stub)
        flagged = zipfile.ZipInfo("xyz.py")
        flagged.flag_bits |= 0x800  # says UTF-8
        z.writestr(flagged, stub)
        z.writestr("abc.py", stub)
    # two members' names as bytes that are not UTF-8, one flagged UTF-8, one not
    archive.write_bytes(archive.read_bytes().replace(b"xyz.py", b"\xff\xfe\xfd.py")
                        .replace(b"abc.py", b"\xe9\xe9\xe9.py"))
    line, rows, report = grade(archive, tmp_path / "out2")
    assert "grading 3 of 3" in line
    assert sorted(o.student for o in report.outcomes) == ["%E9%E9%E9", "%FF%FE%FD", "caf%C3%A9"]
    with open(tmp_path / "out2" / "grades.csv", encoding="utf-8") as handle:
        book = {r["student"]: (r["name"], r["total"], r["status"]) for r in csv.DictReader(handle)}
    assert book == {"%E9%E9%E9": ("\ufffd" * 3, "0", "graded"),
                    "%FF%FE%FD": ("\ufffd" * 3, "0", "graded"),
                    "caf%C3%A9": ("café", "0", "graded")}


@pytest.mark.parametrize("folders", [False, True])
def test_a_moodle_name_never_claims_another_participants_id(folders, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    entries = {"Victim Name_222_assignsubmission_file_": "kmeans.py",
               "Victim Name_222_assignsubmission_file_x_111_assignsubmission_file_": "kmeans.py",
               "Other_333_assignsubmission_file_": "kmeans.py",
               "Mallory_444_assignsubmission_file_x_333_assignsubmission_file_": "kmeans.py"}
    for entry, upload in entries.items():
        if folders:
            (folder / entry).mkdir()
            (folder / entry / upload).write_text(entry)
        else:
            (folder / (entry + upload)).write_text(entry)
    layout, students = lms.read_class(folder)
    assert layout == "moodle"
    found = {s.key: s.name for s in students}
    assert found["222"] == "Victim Name" and found["111"].startswith("Victim Name_222")
    assert found["333"] == "Other" and found["444"] == "Mallory"
    for s in students:  # each graded its own entry
        assert Path(s.path).read_text().startswith(s.name + "_" + s.lms_id + "_")


def test_plain_keys_are_reversible_bounded_and_never_another_entrys(tmp_path):
    from urllib.parse import unquote

    assert lms.plain_key("李静") == "%E6%9D%8E%E9%9D%99" and unquote("%E6%9D%8E%E9%9D%99") == "李静"
    assert lms.plain_key("1234") == "%31234" and lms.plain_key(".x") == "%2Ex"  # no LMS id, no dot
    assert lms.plain_key("submission_7") == "%73ubmission_7"
    long = lms.plain_key("é" * 100)
    assert len(long) <= lms.base.MAX_KEY and long != lms.plain_key("é" * 101)
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("amy.py", "amy.zip", "amy", "bob.py", "100_200_300_kmeans.py", "100.py"):
        (folder / name).write_text("")
    layout, students = lms.read_class(folder)
    assert layout == "canvas"
    assert sorted(s.key for s in students) == ["%3100", "200", "amy~", "amy~py", "amy~zip", "bob"]


def test_results_record_the_graded_files_sha256_and_the_grader(tmp_path):
    import hashlib

    from autograder.grading import grade_and_write
    from autograder.results import grader_version, is_current

    submission = tmp_path / "kmeans.py"
    submission.write_bytes(paths.STUB.read_bytes())
    grade_and_write(submission, tmp_path / "results.json")
    extra = json.loads((tmp_path / "results.json").read_text())["extra_data"]
    assert extra["submission_sha256"] == hashlib.sha256(paths.STUB.read_bytes()).hexdigest()
    assert extra["grader_version"] == grader_version()
    document = json.loads((tmp_path / "results.json").read_text())
    assert is_current(document, extra["submission_sha256"])
    assert not is_current(document, "0" * 64) and not is_current({"score": 1}, None)
