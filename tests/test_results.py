"""results.json as Gradescope's autograder specification has it, the assignment spec, statuses,
the grader-fault results, and the scores the do-nothing submissions must get.

Gradescope's fields: https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output
format" and "Output String Formatting").
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograder import paths, spec
from autograder.grading import collect_checks
from autograder.results import (GRADER_FAILED, Results, Status, CheckResult, grader_error,
                                read_submitter)

GOLDEN = paths.ROOT / "tests" / "golden"

FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
NUMBER = (int, float)
# Every top-level field Gradescope reads, with its type or allowed values.
TOP = {"score": NUMBER, "execution_time": NUMBER, "output": str, "output_format": FORMATS,
       "test_output_format": FORMATS, "test_name_format": FORMATS, "visibility": VISIBILITY,
       "stdout_visibility": VISIBILITY, "extra_data": dict, "tests": list, "leaderboard": list}
TEST = {"score": NUMBER, "max_score": NUMBER, "status": {"passed", "failed"}, "name": str,
        "name_format": FORMATS, "number": str, "output": str, "output_format": FORMATS,
        "tags": list, "visibility": VISIBILITY, "extra_data": dict}


def conforms(value, allowed) -> bool:
    if isinstance(allowed, set):
        return value in allowed
    return isinstance(value, allowed) and not isinstance(value, bool)


def assert_gradescope_fields(results: dict):
    """Only fields Gradescope defines, each of its type; text stays text."""
    assert set(results) <= set(TOP), set(results) - set(TOP)
    for key, value in results.items():
        assert conforms(value, TOP[key]), (key, value)
    assert results["output_format"] == results["test_output_format"] == "text"
    assert results["test_name_format"] == "text"
    for test in results["tests"]:
        assert set(test) <= set(TEST), set(test) - set(TEST)
        assert {"name", "score", "max_score", "output", "visibility"} <= set(test)
        for key, value in test.items():
            assert conforms(value, TEST[key]), (key, value)
        assert test["name"].split(":")[0] in spec.NAMES
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))


METADATA = {
    "id": 123456, "created_at": "2026-11-20T23:10:00.000000-08:00",
    "assignment": {"due_date": "2026-11-20T23:00:00.000000-08:00",
                   "late_due_date": "2026-11-22T23:00:00.000000-08:00", "title": "K-means"},
    "users": [{"email": "jose@example.edu", "id": 7890, "name": "José Núñez"}],
    "submission_method": "upload", "previous_submissions": [],
}


def test_a_graded_submission_writes_only_gradescope_fields(tmp_path):
    """Through the command line: the fields and types, the hidden suites' visibility, the
    execution time and the submitter from Gradescope's submission_metadata.json."""
    root = tmp_path / "autograder"
    root.mkdir()
    (root / "submission_metadata.json").write_text(json.dumps(METADATA), encoding="utf-8")
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(paths.SOLUTION),
                           "--out", str(out), "--hidden-visibility", "after_due_date"],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root)})
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text(encoding="utf-8"))
    assert_gradescope_fields(results)
    assert results["score"] == spec.TOTAL_POINTS
    assert isinstance(results["execution_time"], int) and results["execution_time"] >= 0
    public = {t.name for t in collect_checks(include_hidden=False)}
    for test in results["tests"]:
        wanted = "visible" if test["name"] in public else "after_due_date"
        assert test["visibility"] == wanted, test["name"]
    submitter = results["extra_data"]["submitter"]
    assert submitter["users"] == [{"id": 7890, "name": "José Núñez", "email": "jose@example.edu"}]
    assert submitter["late"] is True and submitter["seconds_late"] == 600
    assert submitter["due_date"].startswith("2026-11-20T23:00")


def test_hidden_visibility_refuses_what_gradescope_does_not_know():
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(paths.SOLUTION),
                           "--hidden-visibility", "later"], capture_output=True, text=True)
    assert done.returncode == 2 and "invalid choice: 'later'" in done.stderr


def test_a_message_that_looks_like_html_is_text():
    results = Results([CheckResult("compress_image: x", "compress_image", 1.0, 0.0,
                                  "raised in <module>: <b>bold</b>")])
    document = results.gradescope()
    assert_gradescope_fields(document)
    assert document["tests"][0]["output"] == "raised in <module>: <b>bold</b>"


def test_results_list_checks_by_function_in_the_spec_order_public_first():
    tests = [CheckResult("compress_image: a", "compress_image", 1.0),
             CheckResult("find_closest_centroids: hidden", "find_closest_centroids", 1.0),
             CheckResult("find_closest_centroids: public", "find_closest_centroids", 1.0,
                        public=True)]
    names = [t.name for t in Results(tests).tests]
    assert names == ["find_closest_centroids: public", "find_closest_centroids: hidden",
                     "compress_image: a"]


def test_statuses_are_one_enum_written_as_their_text():
    assert [s.value for s in Status] == ["graded", "unreadable", "timed out", "grader error"]
    document = Results([], Status.TIMED_OUT).gradescope()
    assert json.loads(json.dumps(document))["extra_data"]["status"] == "timed out"
    with pytest.raises(ValueError):
        Results([], "finished")


def test_submission_metadata_absent_unreadable_or_on_time(tmp_path):
    assert read_submitter(tmp_path / "none.json") is None
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert "unreadable" in read_submitter(broken)
    on_time = tmp_path / "on_time.json"
    on_time.write_text(json.dumps({**METADATA, "created_at": "2026-11-20T22:00:00-08:00"}),
                       encoding="utf-8")
    assert read_submitter(on_time)["late"] is False
    assert read_submitter(on_time)["seconds_late"] == 0


def test_every_function_of_the_spec_has_exactly_its_points_in_the_checks():
    """The spec's points per function and the checks' points markers cannot drift apart."""
    totals = {name: 0.0 for name in spec.NAMES}
    for check in collect_checks():
        totals[check.function] += check.max_score
    assert totals == {f.name: f.points for f in spec.FUNCTIONS}
    assert sum(totals.values()) == spec.TOTAL_POINTS == 66


def test_a_check_without_a_function_marker_is_a_grader_fault():
    from autograder.grading import GraderFault, describe_check

    def check():
        """find_closest_centroids: something"""

    def item(marker, doc_function=check):
        return SimpleNamespace(function=doc_function, name="test_x", nodeid="suite::test_x",
                               path=Path("suite.py"),
                               get_closest_marker=lambda name: marker if name == "function"
                               else None)

    with pytest.raises(GraderFault, match="not one of the graded functions"):
        describe_check(item(None))
    with pytest.raises(GraderFault, match="must start with 'compress_image: '"):
        describe_check(item(SimpleNamespace(args=("compress_image",))))
    entry = describe_check(item(SimpleNamespace(args=("find_closest_centroids",))))
    assert entry["function"] == "find_closest_centroids" and entry["visibility"] == "visible"


def test_a_grader_fault_still_writes_valid_results_when_asked(tmp_path, monkeypatch, capsys):
    """For Gradescope (run_autograder): score 0, status "grader error", a message for the
    student; the details go to the log, and the exit status still says the grader failed."""
    from autograder import cli
    from autograder.grading import GraderFault, orchestration

    def broken(*args, **kwargs):
        raise GraderFault("the suites could not be collected")

    monkeypatch.setattr(orchestration, "grade", broken)
    out = tmp_path / "results.json"
    assert cli.main(["grade", str(paths.SOLUTION), "--out", str(out)]) == 2
    assert not out.exists()  # without the option, as before: a batch grades it again
    assert cli.main(["grade", str(paths.SOLUTION), "--out", str(out),
                     "--results-on-fault"]) == 2
    results = json.loads(out.read_text(encoding="utf-8"))
    assert_gradescope_fields(results)
    assert results["score"] == 0 and results["extra_data"]["status"] == "grader error"
    assert results["output"] == GRADER_FAILED
    assert "the suites could not be collected" in capsys.readouterr().err
    assert grader_error().gradescope()["tests"] == []


def header_lines(path: Path) -> list[str]:
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("# "):
            break
        lines.append(line[2:])
    return lines


def golden_scores():
    """(file, score, out of) for each golden whose header has a `score: N/66` line."""
    for path in sorted(GOLDEN.glob("*.py")):
        for line in header_lines(path):
            if line.startswith("score: "):
                got, _, total = line[len("score: "):].split()[0].partition("/")
                yield path.name, float(got), float(total)


def golden_module(name: str):
    """The golden as a student's file is graded: the stub, its base, then itself."""
    base = [line.split(":", 1)[1].strip() for line in header_lines(GOLDEN / name)
            if line.startswith("base:")]
    source = "\n\n".join([paths.STUB.read_text(encoding="utf-8")]
                          + [(GOLDEN / b).read_text(encoding="utf-8") for b in base]
                          + [(GOLDEN / name).read_text(encoding="utf-8")])
    module = SimpleNamespace()
    exec(compile(source, name, "exec"), module.__dict__)
    return module


@pytest.mark.parametrize("name, score, total", list(golden_scores()))
def test_submissions_that_do_nothing_useful_score_what_their_header_says(name, score, total):
    """Graded in this process (these are our own files): a property check earns nothing for a
    function that returns constants, None, or always raises."""
    from autograder.grading import run_suites

    tests = run_suites(golden_module(name)).results()
    assert sum(t.max_score for t in tests) == total
    assert sum(t.score for t in tests) == score, [(t.name, t.score) for t in tests if t.score]
    assert score <= 3  # issue 11: do-nothing submissions score at most 3 of 66
