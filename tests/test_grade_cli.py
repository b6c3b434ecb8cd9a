"""`grade` and `check` as a user runs them: any path, a clear result, exit 0 unless the grader broke."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import paths
from autograder.grading import collect_checks

PUBLIC_CHECKS = len(collect_checks(include_hidden=False))  # every public test, as collected


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def test_grade_a_zip_and_a_folder_give_the_same_result(tmp_path):
    archive = tmp_path / "submission.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(paths.SOLUTION, "alice/kmeans.py")
    folder = tmp_path / "bob"
    folder.mkdir()
    (folder / "kmeans.py").write_bytes(paths.SOLUTION.read_bytes())
    scores = []
    for source in (archive, folder):
        out = tmp_path / f"{source.stem}.json"
        done = run("grade", str(source), "--out", str(out))
        assert done.returncode == 0, done.stderr
        results = json.loads(out.read_text())
        assert results["score"] == sum(t["max_score"] for t in results["tests"])
        scores.append(results["score"])
    assert scores[0] == scores[1]


def test_grade_something_unusable_writes_a_zero_with_the_reason(tmp_path):
    unusable = tmp_path / "kmeans.txt"
    unusable.write_text("def find_closest_centroids(X, centroids): ...\n")
    out = tmp_path / "results.json"
    done = run("grade", str(unusable), "--out", str(out))
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    assert results["score"] == 0 and "is not a Python file" in results["output"]
    assert results["extra_data"]["status"] == "unreadable"
    assert all(t["output"].startswith("Not graded:") for t in results["tests"])


def test_a_path_that_does_not_exist_is_one_line_and_writes_nothing(tmp_path):
    """A typo in the path is the user's mistake, not a submission worth a zero."""
    out = tmp_path / "results.json"
    for args in (["grade", str(tmp_path / "nope.py"), "--out", str(out)],
                 ["check", str(tmp_path / "nope.py")]):
        done = run(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and "nope.py does not exist" in done.stderr, args
        assert "Traceback" not in done.stderr and not out.exists()


def test_a_misnamed_zip_says_what_it_holds(tmp_path):
    """A zip whose only .py is misnamed is graded from it, and the results say which file was
    graded and what else it held; one without any .py says what it holds."""
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("alice/k_means.py", paths.SOLUTION.read_bytes())
        z.writestr("alice/notes.txt", "hello")
    out = tmp_path / "results.json"
    done = run("grade", str(archive), "--out", str(out))
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    assert results["score"] == sum(t["max_score"] for t in results["tests"])
    assert ("Graded upload.zip: alice/k_means.py; also handed in: alice/notes.txt (not graded)."
            in results["output"]), results["output"]
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("alice/k_means.txt", paths.SOLUTION.read_bytes())
        z.writestr("alice/notes.txt", "hello")
    done = run("grade", str(archive), "--out", str(out))
    assert done.returncode == 0, done.stderr
    output = json.loads(out.read_text())["output"]
    assert "there is no kmeans.py in upload.zip (it holds alice/k_means.txt, alice/notes.txt)" \
        in output, output


def test_help_of_grade_and_check_mentions_notebooks():
    for command in ("grade", "check"):
        done = run(command, "--help")
        assert done.returncode == 0 and "notebook" in done.stdout, command


def test_check_runs_the_public_tests_only_and_says_so(tmp_path):
    done = run("check", str(paths.SOLUTION))
    assert done.returncode == 0, done.stderr
    assert "PASS  find_closest_centroids: the six-point sample gives [0, 1, 0, 1, 0, 1]" in done.stdout
    assert "hidden tests check more cases" in done.stdout
    assert "exact ties go to the lowest index" not in done.stdout  # a hidden test's name
    stub = run("check", cwd=paths.STUB.parent)  # a student's folder: its kmeans.py, named
    assert stub.returncode == 1, "check exits 1 when a check fails, as pytest does"
    assert stub.stdout.startswith("checking ./kmeans.py\n")
    assert PUBLIC_CHECKS >= 15  # the public tests were collected, not an empty list
    assert stub.stdout.count("FAIL  ") == PUBLIC_CHECKS and "is not implemented yet" in stub.stdout


def test_a_fault_of_the_grader_is_never_blamed_on_the_student():
    from autograder.grading import run_suites
    from autograder.grading import GraderError

    class BrokenSandbox:
        def __getattr__(self, name):
            def function(*args, **kwargs):
                raise GraderError("the pipe to the worker broke")
            return function

    collector = run_suites(BrokenSandbox(), include_hidden=False)
    assert len(collector.faults) == len(collector.tests) == PUBLIC_CHECKS
    assert all("the pipe to the worker broke" in fault for fault in collector.faults)
    for test in collector.tests.values():
        assert test["score"] == 0 and "an error in the grader itself" in test["output"]


def test_a_slow_submission_is_stopped_by_its_total_time_budget(tmp_path):
    """No call times out, but together they would take very long: the budget ends them."""
    import time

    from autograder.grading import grade
    from autograder.sandbox import Limits

    slow = tmp_path / "kmeans.py"
    slow.write_bytes(paths.SOLUTION.read_bytes() + b"""

import time as _time

for _name in ("find_closest_centroids", "compute_centroid_means", "kmeans_init_centroids",
              "compress_image"):
    def _slow(*args, _inner=globals()[_name], **kwargs):
        _time.sleep(0.4)
        return _inner(*args, **kwargs)
    globals()[_name] = _slow
""")
    started = time.monotonic()
    results = grade(slow, limits=Limits(total_seconds=3))
    assert time.monotonic() - started < 60
    assert results["extra_data"]["status"] == "timed out"
    assert "used up its 3 s of grading time" in results["output"]
    skipped = [t for t in results["tests"] if "used up the 3 s a submission gets" in t["output"]]
    passed = [t for t in results["tests"] if t["score"] == t["max_score"]]
    assert skipped and passed and all(t["score"] == 0 for t in skipped)
    assert skipped[0]["output"].startswith(skipped[0]["name"].split(":")[0] + " was not run: ")


def test_an_output_that_cannot_be_written_is_one_line_not_a_traceback(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for args in (["grade", str(paths.SOLUTION), "--out", str(blocker / "results.json")],
                 ["batch", str(tmp_path), "--out", str(blocker / "out")],
                 ["compress", "--colors", "4", "--out", str(blocker / "x.png")]):
        done = run(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr == f"error: {blocker} is a file, not a folder for the output\n", args


def test_check_of_a_file_that_does_not_load_lists_the_public_checks_only(tmp_path):
    broken = tmp_path / "kmeans.py"
    broken.write_text("def find_closest_centroids(X, centroids:\n")
    done = run("check", str(broken))
    assert done.returncode == 1, done.stderr
    assert done.stdout.count("FAIL  ") == PUBLIC_CHECKS and "could not be loaded" in done.stdout
    assert "exact ties go to the lowest index" not in done.stdout  # a hidden test's name


def test_grade_and_write_prints_nothing_and_returns_what_to_print(tmp_path, capsys, monkeypatch):
    """The `grade` command without its terminal: a file that does not load gets every check
    as collected (name, points, visibility), each 0; a setting to fix is one line."""
    from autograder.grading import collect_checks, grade_and_write

    broken = tmp_path / "kmeans.py"
    broken.write_text("def find_closest_centroids(X, centroids:\n")
    out = tmp_path / "results.json"
    done = grade_and_write(broken, out, hidden_visibility="hidden")
    assert tuple(capsys.readouterr()) == ("", "")
    assert done.status == 0 and done.stderr == [] and done.stdout[-1] == f"wrote {out}"
    written = json.loads(out.read_text())
    assert written["extra_data"]["status"] == "unreadable" and written["score"] == 0
    assert [(t["name"], t["max_score"], t["visibility"]) for t in written["tests"]] == [
        (c.name, c.max_score, c.visibility) for c in collect_checks(hidden_visibility="hidden")]
    assert {t["visibility"] for t in written["tests"]} == {"visible", "hidden"}

    monkeypatch.setenv("KMEANS_SANDBOX", "nonsense")
    nothing = tmp_path / "nothing.json"
    failed = grade_and_write(broken, nothing)
    assert failed.status == 2 and failed.results is None and not nothing.exists()
    assert failed.stderr[0].startswith("error: KMEANS_SANDBOX='nonsense' is not a mode")
    assert failed.stderr[1:] == ["error: the grader itself failed (details above); no results "
                                 "were written"]
    assert "Traceback" not in "\n".join(failed.stderr)
    recorded = grade_and_write(broken, nothing, results_on_fault=True)
    assert recorded.status == 2 and recorded.results["extra_data"]["status"] == "grader error"
    assert json.loads(nothing.read_text()) == recorded.results.gradescope()
    assert recorded.stderr[-1] == f"error: the grader itself failed (details above); {nothing} " \
                                  f"says so and scores 0"
    assert tuple(capsys.readouterr()) == ("", "")


def test_a_fifo_named_kmeans_py_is_graded_0_with_the_reason_not_waited_on(tmp_path):
    import os

    os.mkfifo(tmp_path / "kmeans.py")
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "kmeans.py"),
                           "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    results = json.loads(out.read_text())
    assert results["score"] == 0 and results["extra_data"]["status"] == "unreadable"
    assert results["output"].startswith("kmeans.py is a FIFO (named pipe), not a regular file")


def test_any_exception_of_the_grader_gives_results_on_fault_and_status_2(tmp_path, capsys,
                                                                        monkeypatch):
    """Not only GraderFault: a bug of any type in the grader is the grader's failure, with its
    traceback on standard error and, when asked, a valid results.json that says so."""
    from autograder.grading import orchestration

    submission = tmp_path / "kmeans.py"
    submission.write_text("x = 1\n")

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug in the grader")

    monkeypatch.setattr(orchestration, "grade", broken)
    out = tmp_path / "results.json"
    done = orchestration.grade_and_write(submission, out, results_on_fault=True)
    assert done.status == 2 and done.results["extra_data"]["status"] == "grader error"
    assert json.loads(out.read_text()) == done.results.gradescope()
    assert done.stderr[0].startswith("Traceback") and "ZeroDivisionError: a bug" in done.stderr[0]
    assert done.stderr[-1] == (f"error: the grader itself failed (details above); {out} says "
                               f"so and scores 0")
    nothing = tmp_path / "nothing.json"
    failed = orchestration.grade_and_write(submission, nothing)
    assert failed.status == 2 and failed.results is None and not nothing.exists()
    assert tuple(capsys.readouterr()) == ("", "")


def test_the_grade_command_with_a_crashing_grader_writes_results_on_fault(tmp_path):
    """Through the command line, as Gradescope runs it: exit 2, a valid results.json, the
    traceback on standard error, and no staging folder left in TMPDIR."""
    import os

    submission = tmp_path / "kmeans.py"
    submission.write_text("x = 1\n")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "results.json"
    code = ("import sys; from autograder import cli; from autograder.grading import orchestration\n"
            "def broken(*a, **k): raise KeyError('a bug in the grader')\n"
            "orchestration.grade = broken\n"
            "sys.exit(cli.main(sys.argv[1:]))\n")
    done = subprocess.run([sys.executable, "-c", code, "grade", str(submission), "--out",
                           str(out), "--results-on-fault"], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, TMPDIR=str(tmpdir)))
    assert done.returncode == 2, done.stderr
    assert "KeyError: 'a bug in the grader'" in done.stderr
    results = json.loads(out.read_text())
    assert results["score"] == 0 and results["extra_data"]["status"] == "grader error"
    assert list(tmpdir.iterdir()) == []


def test_the_top_level_output_says_the_result_first_and_the_isolation_after(tmp_path):
    """Gradescope shows the top-level output above the tests: its first line is the score, each
    function's, and the checks to fix; the sentence on isolation comes after it."""
    sys.path.insert(0, str(paths.ROOT / "tests"))
    from conftest import build

    out = tmp_path / "results.json"
    done = run("grade", str(build("means_off_by_one.py", tmp_path)), "--out", str(out))
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    first, *rest = results["output"].splitlines()
    functions = results["extra_data"]["functions"]
    total = sum(t["max_score"] for t in results["tests"])
    parts = ", ".join(f"{name} {f['score']:g}/{f['max_score']:g}" for name, f in functions.items())
    failed = [t["name"] for t in results["tests"] if t["score"] < t["max_score"]]
    assert first.startswith(f"{results['score']:g} / {total:g}: {parts}. "
                            f"{len(failed)} checks to fix: {failed[0]}; "), first
    whole = functions["find_closest_centroids"]["max_score"]
    assert "compute_centroid_means 0/" in first and f"find_closest_centroids {whole:g}/{whole:g}" \
        in first
    assert rest and rest[-1].lower().startswith(("student code ran", "warning: student code")), rest

    out = tmp_path / "full.json"
    assert run("grade", str(paths.SOLUTION), "--out", str(out)).returncode == 0
    first = json.loads(out.read_text())["output"].splitlines()[0]
    assert first.endswith(". Every check passed.") and first.startswith(f"{total:g} / {total:g}: ")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
@pytest.mark.parametrize("preset, threads", [(None, "1"), ("2", "2")])
def test_the_commands_ask_openblas_for_one_thread_unless_told(preset, threads):
    """The command line asks numpy's OpenBLAS for one thread before numpy is imported (its idle
    threads spin on the other cores), unless the operator set OPENBLAS_NUM_THREADS."""
    code = ("import os; from autograder import cli; cli.one_blas_thread(); import numpy; "
            "print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if preset is not None:
        env["OPENBLAS_NUM_THREADS"] = preset
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=paths.ROOT)
    assert done.returncode == 0, done.stderr
    said, running = done.stdout.split()
    assert said == threads
    assert int(running) == 1 if threads == "1" else int(running) >= 1
