"""Batch grading a class: gradebook, feedback pages, summary, resuming, regrading."""

import csv
import json
import os
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder import batch, lms, paths
from autograder.batch.summary import wrap_label
from conftest import build  # noqa: E402

CLASS = {"amy": "correct_broadcast.py", "ben": "broken_syntax.py", "cal": "means_empty_zero.py"}


@pytest.fixture(scope="module")
def class_zip(tmp_path_factory):
    """A class zip as an LMS exports it: one folder around everything, plus hostile entries."""
    folder = tmp_path_factory.mktemp("class")
    archive = folder / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for student, golden in CLASS.items():
            (folder / student).mkdir()
            source = build(golden, folder / student)
            z.write(source, f"export/{student}.py")
        z.writestr("../../escaped.txt", "outside")
        link = zipfile.ZipInfo("export/link.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    return archive


@pytest.fixture(scope="module")
def graded(class_zip, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(class_zip), "--out",
                           str(out), "--jobs", "2"], capture_output=True, text=True, timeout=600)
    return out, done


def test_batch_writes_gradebook_feedback_and_summary(graded, class_zip):
    out, done = graded
    assert done.returncode == 0, done.stderr
    assert "grading 3 of 3 submissions with 2 job(s)" in done.stderr
    assert "3 submissions: 2 graded, 1 unreadable" in done.stdout
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert [r["student"] for r in rows] == ["amy", "ben", "cal"]
    amy, ben, cal = rows
    assert amy["total"] == amy["max_total"] and amy["status"] == "graded"
    assert ben["status"] == "unreadable" and ben["total"] == "0"
    assert float(cal["compute_centroid_means"]) < float(amy["compute_centroid_means"])
    for student in CLASS:
        page = (out / "students" / student / "feedback.html").read_text()
        assert page.startswith("<!DOCTYPE html>")
        assert "data:image/png;base64," not in page  # the hidden images: only when asked
        assert "BEGIN SOLUTION" not in page and "_BLOCK_ENTRIES" not in page
        assert "<script" not in page and "http" not in page.replace("http-equiv", "")
    assert "your distortion" in (out / "students" / "amy" / "feedback.html").read_text()
    assert (out / "summary.png").stat().st_size > 10_000
    assert (out / "similarity.html").read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in out.iterdir()) == [
        ".work", "grades.csv", "roster.json", "similarity.html", "students", "summary.png"]
    assert list((out / ".work").iterdir()) == []  # the extracted class zip is cleaned up
    assert not (class_zip.parent.parent / "escaped.txt").exists()
    assert not (out / ".work" / "escaped.txt").exists()
    assert "link" not in [r["student"] for r in rows]  # the link entry was never written


def graded_content(path):
    """results.json without its execution_time, which is measured, not graded."""
    results = json.loads(path.read_text(encoding="utf-8"))
    results.pop("execution_time", None)
    return results


def test_instructors_can_ask_for_the_hidden_images(graded):
    """--show-hidden-images puts the capstone's hidden images in the pages; the default does not."""
    out, _ = graded
    page = out / "students" / "amy" / "feedback.html"
    batch.merge(out, show_hidden_images=True)
    assert page.read_text().count("data:image/png;base64,") >= 12  # 2 images x 2 K x 3 figures
    batch.merge(out)
    assert "data:image/png;base64," not in page.read_text()


def test_resume_grades_only_what_is_missing_and_regrade_is_identical(graded, class_zip):
    out, _ = graded
    students = out / "students"
    before = {s: graded_content(students / s / "results.json") for s in CLASS}
    (students / "cal" / "results.json").unlink()  # as if the batch was killed while grading cal
    (students / "amy" / "feedback.html").unlink()  # ... or between amy's results and feedback
    outcomes, _ = batch.run(class_zip, out, jobs=1, progress_stream=open(os.devnull, "w"))
    assert graded_content(students / "cal" / "results.json") == before["cal"]
    assert (students / "amy" / "feedback.html").is_file()
    mtime = (students / "amy" / "results.json").stat().st_mtime_ns
    batch.run(class_zip, out, jobs=2, regrade=True, progress_stream=open(os.devnull, "w"))
    assert (students / "amy" / "results.json").stat().st_mtime_ns != mtime  # graded again
    assert {s: graded_content(students / s / "results.json") for s in CLASS} == before


def graders_of(batch_pid: int) -> list[int]:
    """The grader processes a batch started that are still running."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        except OSError:
            continue
        if f"{batch.BATCH_PID}={batch_pid}".encode() in environ:
            found.append(int(pid))
    return found


def test_a_killed_batch_stops_its_graders_and_resumes_with_nothing_lost(graded, tmp_path):
    """Killed (SIGKILL) while a slow submission is being graded: its grader stops too, at once,
    and the same command then grades what is missing."""
    submissions, out = tmp_path / "class", tmp_path / "out"
    for student, golden in {"amy": "correct_broadcast.py", "zed": "hang_init.py"}.items():
        (tmp_path / student).mkdir()
        submissions.mkdir(exist_ok=True)
        build(golden, tmp_path / student).rename(submissions / f"{student}.py")
    process = subprocess.Popen([sys.executable, "-m", "autograder", "batch", str(submissions),
                                "--out", str(out), "--jobs", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (out / "students" / "amy" / "results.json").is_file() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert graders_of(process.pid), "zed's grading (over 20 s) should still be running"
    process.kill()
    process.wait()
    deadline = time.monotonic() + 10
    while graders_of(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert graders_of(process.pid) == [], "grader processes outlived the killed batch"
    assert not (out / "students" / "zed" / "results.json").exists()
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(submissions),
                           "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "grading 1 of 2 submissions" in done.stderr
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").open())}
    assert rows["amy"]["total"] == rows["amy"]["max_total"] and rows["zed"]["status"] == "timed out"
    reference, _ = graded
    assert (graded_content(out / "students" / "amy" / "results.json")
            == graded_content(reference / "students" / "amy" / "results.json"))
    assert ((out / "students" / "amy" / "feedback.html").is_file()
            and (out / "students" / "zed" / "feedback.html").is_file())


def test_an_outdir_kept_among_the_submissions_is_not_a_student(tmp_path):
    submissions = tmp_path / "class"
    (submissions / "amy").mkdir(parents=True)
    build("correct_broadcast.py", submissions / "amy")
    out = submissions / "graded"
    outcomes, _ = batch.run(submissions, out, jobs=1, progress_stream=open(os.devnull, "w"))
    assert [o.student for o in outcomes] == ["amy"]
    outcomes, _ = batch.run(submissions, out, jobs=1, progress_stream=open(os.devnull, "w"))
    assert [o.student for o in outcomes] == ["amy"]  # nor on the second run, when it is full


def test_batch_user_mistakes(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(tmp_path / "nope"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 2 and "does not exist" in done.stderr
    (tmp_path / "empty").mkdir()
    with pytest.raises(batch.BatchError, match="there are no submissions"):
        batch.run(tmp_path / "empty", tmp_path / "out")
    with pytest.raises(batch.BatchError, match="--out must be a folder of its own"):
        batch.run(tmp_path / "empty", tmp_path / "empty")
    assert lms.safe_key("Smith, John_1234_kmeans.py") == "Smith_John_1234_kmeans"
    assert lms.safe_key("../..") == "submission"
    for argv, message in [(["batch", str(tmp_path / "empty")], "give SUBMISSIONS and --out"),
                          (["batch", "--merge", str(tmp_path / "empty")], "holds no roster.json"),
                          (["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "o"),
                            "--shard", "3/3"], "not between 0 and 2"),
                          (["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "o"),
                            "--shard", "x"], "--shard must be I/N")]:
        done = subprocess.run([sys.executable, "-m", "autograder", *argv], capture_output=True,
                              text=True)
        assert done.returncode == 2 and message in done.stderr, (argv, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_summary_labels_break_check_names_between_words_only():
    """summary.png's labels: every check name on at most two lines, no word cut in two."""
    from autograder.grading import check_names

    names = check_names() + ["compress_image: " + "supercalifragilistic " * 12]
    for name in names:
        label = wrap_label(name)
        lines = label.split("\n")
        assert len(lines) <= 2 and all(len(line) <= 58 for line in lines), label
        words = name.split()
        for word in " ".join(lines).split():
            assert word in words or word == "...", (word, name)
        if len(name) <= 58:
            assert label == name
    assert wrap_label(names[-1]).endswith("...")


def test_a_batch_survives_what_a_killed_batch_and_hostile_students_leave(tmp_path):
    """A killed batch left a deep tree with folders it cannot list (0o300) in TMPDIR; the class
    holds a submission that nests folders while it loads, a FIFO named like a submission, and a
    name with terminal escapes and a bidirectional override. The batch still starts and grades
    every one; it removes the stale folder; nothing is left running or in TMPDIR; no raw control
    character reaches grades.csv or the terminal."""
    import tempfile

    tmpdir = Path(tempfile.mkdtemp(prefix="b-"))  # short: the batch's server socket is in it
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmpdir / f"kmeans-batch-{dead}-left"
    (stale / "grader-x" / "kmeans-worker-y" / "scratch").mkdir(parents=True)
    folder = os.open(stale / "grader-x" / "kmeans-worker-y" / "scratch", os.O_PATH)
    for _ in range(3000):  # deeper than a path can name, and than Python recurses
        os.close(os.open("locked", os.O_WRONLY | os.O_CREAT, 0o400, dir_fd=folder))
        os.mkdir("closed", 0o000, dir_fd=folder)
        os.mkdir("d" * 100, 0o300, dir_fd=folder)
        inner = os.open("d" * 100, os.O_PATH, dir_fd=folder)
        os.close(folder)
        folder = inner
    os.close(folder)
    submissions, out = tmp_path / "class", tmp_path / "out"
    submissions.mkdir()
    escaped = "\x1b[31mred\u202eevil"
    for student, golden in {"amy": "correct_broadcast.py", "dee": "hostile_deep_tree.py",
                            escaped: "correct_broadcast.py"}.items():
        (tmp_path / "build" / student).mkdir(parents=True)
        build(golden, tmp_path / "build" / student).rename(submissions / f"{student}.py")
    os.mkfifo(submissions / "fay.py")
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(submissions),
                           "--out", str(out), "--jobs", "2"], capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, TMPDIR=str(tmpdir)))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert list(tmpdir.iterdir()) == [], "the stale folder, or the batch's own, was left"
    text = (out / "grades.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) == 4, text
    for output in (text, done.stdout, done.stderr):
        assert not any(ord(c) < 32 and c not in "\n\r\t" or c in "\x9b\u202e" for c in output), \
            output
    status = {row["student"]: row for row in rows}
    assert status["amy"]["total"] == status["amy"]["max_total"]
    assert status["dee"]["status"] == "unreadable" and float(status["dee"]["total"]) == 0
    assert status["fay"]["status"] == "unreadable" and float(status["fay"]["total"]) == 0
    for student in ("amy", "dee", "fay"):
        json.loads((out / "students" / student / "results.json").read_text())
    tmpdir.rmdir()


def test_a_fifo_or_socket_given_as_the_class_is_refused_in_one_line(tmp_path):
    import socket

    os.mkfifo(tmp_path / "class.zip")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "class"))
    try:
        for given, kind in (("class.zip", "a FIFO (named pipe)"), ("class", "a socket")):
            done = subprocess.run([sys.executable, "-m", "autograder", "batch",
                                   str(tmp_path / given), "--out", str(tmp_path / "out")],
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 2, done.stderr
            assert done.stderr == (f"error: {tmp_path / given} is {kind}, not a folder or a zip "
                                   f"of submissions\n")
    finally:
        listener.close()


def _forked(function):
    """``function()``'s value (JSON), computed in a process forked from this one."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            data = json.dumps(function()).encode()
        except BaseException as error:  # noqa: BLE001 - said to the parent
            data = json.dumps({"error": repr(error)}).encode()
        with os.fdopen(write, "wb") as handle:
            handle.write(data)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as handle:
        data = handle.read()
    os.waitpid(pid, 0)
    return json.loads(data)


@pytest.mark.parametrize("golden", ["correct_broadcast.py", "means_empty_zero.py",
                                    "broken_syntax.py", "always_raises.py"])
def test_a_grader_forked_after_the_suites_were_collected_grades_as_a_fresh_one(tmp_path, golden):
    """The batch's warm server collects the suites once (plugin.prepare); each grader it forks
    runs its own copy of the collected checks, scoring and wording every check as a grader that
    collects them itself, and the collected checks stay unrun in the server."""
    from autograder.grading import collect_checks, grade, plugin

    submission = build(golden, tmp_path)

    def graded(prepared: bool):
        def run():
            if not prepared:
                plugin.PREPARED.clear()
            results = grade(submission)
            used = bool(plugin.PREPARED) and plugin.PREPARED[0].used
            return {"tests": [[t.name, t.score, t.max_score, t.output, t.visibility]
                              for t in results.tests], "output": results.output,
                    "status": str(results.status), "used": used}
        return run

    made = plugin.prepare()
    try:
        fresh, warm = _forked(graded(False)), _forked(graded(True))
        assert "error" not in warm and "error" not in fresh
        assert warm["used"] is (golden != "broken_syntax.py")  # one that cannot load runs none
        assert not made.used and made.serves(True, "visible") is False  # not in its maker
        for field in ("tests", "output", "status"):
            assert warm[field] == fresh[field]
        assert [t.name for t in collect_checks()] == [t[0] for t in warm["tests"]]
    finally:
        plugin.PREPARED.clear()
