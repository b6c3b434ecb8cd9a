"""Grade one submission: stage it, start its sandbox, run the suites, build results.json.

The tests run here, in the trusted process, with pytest; the student's functions are reached
only through the sandboxed worker (``sandbox.Submission``). Points, names and visibility come
from the tests themselves: the first line of a test's docstring is its name (it starts with the
function it checks), ``@pytest.mark.points(n)`` its points, ``@pytest.mark.visibility(v)`` its
Gradescope visibility (default "visible"). A test may record a partial ``fraction`` of its points
with ``record_property``.
"""

import contextlib
import io
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

import pytest

from . import paths
from .sandbox import Isolation, Limits, Submission, Worker, detect_isolation
from .submission import SubmissionError, stage

SUITES = paths.SUITES
PUBLIC_TESTS = paths.ASSIGNMENT / "test_kmeans.py"
FUNCTIONS = ("find_closest_centroids", "compute_centroid_means", "kmeans_init_centroids",
             "compress_image")
OUTPUT_LIMIT = 4000  # characters of one test's output
PASSED = "Passed."  # the output of a passed test that recorded no message of its own


class GraderFault(RuntimeError):
    """Something went wrong in the grader itself, not in the submission."""


class Collector:
    """A pytest plugin: hands the tests the student's module and records every outcome."""

    def __init__(self, student):
        self.student = student
        self.tests = {}  # nodeid -> result dict, in run order
        self.faults = []  # grader errors (tracebacks), never shown to students
        self.artifacts = {}  # name -> array the student's code produced, for feedback pages

    def pytest_configure(self, config):
        config.kmeans_student = self.student
        config.kmeans_artifacts = self.artifacts

    def pytest_collection_modifyitems(self, items):
        for item in items:
            doc = (item.function.__doc__ or item.name).strip().splitlines()[0]
            if hasattr(item, "callspec"):
                doc = f"{doc} [{item.callspec.id}]"
            points = item.get_closest_marker("points")
            visibility = item.get_closest_marker("visibility")
            self.tests[item.nodeid] = {
                "name": doc, "score": 0.0,
                "max_score": float(points.args[0]) if points else 0.0,
                "output": "", "visibility": visibility.args[0] if visibility else "visible",
                "public": Path(str(item.fspath)) == PUBLIC_TESTS}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        """Mark failures raised by a check (pytest.fail), as opposed to errors of the grader."""
        outcome = yield
        report = outcome.get_result()
        report.from_check = call.excinfo is not None and call.excinfo.errisinstance(
            pytest.fail.Exception)

    def pytest_runtest_logreport(self, report):
        test = self.tests.get(report.nodeid)
        if test is None or (report.when != "call" and report.passed):
            return
        properties = dict(report.user_properties)
        if report.passed:
            test["score"] = test["max_score"]
            test["output"] = properties.get("message", PASSED)
        elif report.failed:
            failed_check = getattr(report, "from_check", False)
            fraction = float(properties.get("fraction", 0.0))
            test["score"] = round(test["max_score"] * fraction, 4)
            if failed_check:
                test["output"] = _message(report)
            else:
                self.faults.append(f"{report.nodeid}: {report.longreprtext}")
                test["output"] = ("The grader could not run this check because of an error in "
                                  "the grader itself, not in your code. Your instructor can see "
                                  "the details.")
        elif report.skipped:
            test["output"] = "Skipped."


def _message(report) -> str:
    text = report.longreprtext.strip()
    if text.startswith("Failed: "):
        text = text[len("Failed: "):]
    return text if len(text) <= OUTPUT_LIMIT else text[:OUTPUT_LIMIT] + " [... cut]"


def run_suites(student, include_hidden: bool = True, collect_only: bool = False) -> Collector:
    """Run the public tests (and the hidden suites) against ``student``; return the collector.

    With ``collect_only`` nothing runs: the collector lists the tests with their points.
    """
    collector = Collector(student)
    targets = [str(PUBLIC_TESTS)] + ([str(SUITES)] if include_hidden else [])
    targets += ["--collect-only"] if collect_only else []
    args = [*targets, "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--rootdir",
            str(paths.ROOT), "-o", "addopts=", "-o", "testpaths=", "--import-mode=importlib",
            "-W", "ignore", "--no-header", "--tb=short"]
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        code = pytest.main(args, plugins=[collector])
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise GraderFault(f"pytest could not run the suites (exit {code}):\n{sink.getvalue()}")
    return collector


def grade(path, include_hidden: bool = True, isolation: Isolation | None = None,
          limits: Limits = Limits(), artifacts=None) -> dict:
    """Grade the submission at ``path``; return the Gradescope results dictionary.

    A submission that cannot be staged or loaded gets a valid result with score 0 and an
    explanation. A fault of the grader raises GraderFault. With ``artifacts`` (a folder), the
    student's capstone outputs are saved there as ``capstone.npz`` for the feedback page.
    """
    isolation = isolation or detect_isolation()
    with tempfile.TemporaryDirectory(prefix="kmeans-grade-") as scratch:
        try:
            staged = stage(path, Path(scratch) / "submission")
        except SubmissionError as error:
            return _unloadable(str(error), isolation)
        worker = Worker(staged, isolation, limits)
        try:
            student = Submission(worker)
            try:
                worker.start()
            except Exception as fault:  # a submission that hangs or dies while loading
                worker.load_error = f"kmeans.py {getattr(fault, 'student_message', fault)}"
                worker.functions = set()
            if worker.load_error:
                return _unloadable(worker.load_error, isolation, worker.load_output)
            collector = run_suites(student, include_hidden)
        finally:
            worker.close()
    if collector.faults:
        raise GraderFault("\n\n".join(collector.faults))
    if artifacts is not None:
        save_artifacts(collector.artifacts, artifacts)
    return _results(collector.tests.values(), isolation, worker)


def save_artifacts(arrays: dict, folder) -> Path:
    """Save validated arrays as a plain .npz (atomically); return its path."""
    import numpy as np

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".capstone-", suffix=".npz", dir=folder)
    with os.fdopen(fd, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    os.chmod(temporary, 0o644)
    os.replace(temporary, folder / "capstone.npz")
    return folder / "capstone.npz"


def _function_of(test: dict) -> str:
    return test["name"].split(":")[0]


def _by_function(tests) -> list[dict]:
    """Copies of the tests grouped by function in the contract's order, public checks first
    within each: the order Gradescope and the feedback page list them in."""
    return sorted((dict(t) for t in tests), key=lambda t: FUNCTIONS.index(_function_of(t))
                  if _function_of(t) in FUNCTIONS else len(FUNCTIONS))


def check_names(include_hidden: bool = True) -> list[str]:
    """The name of every check, in results.json's order, found without running any."""
    return [t["name"] for t in _by_function(run_suites(None, include_hidden, True).tests.values())]


def _results(tests, isolation: Isolation, worker: Worker | None = None, status="graded") -> dict:
    tests = _by_function(tests)
    for test in tests:
        test.pop("public", None)
    per_function = {f: {"score": 0.0, "max_score": 0.0} for f in FUNCTIONS}
    for test in tests:
        function = _function_of(test)
        if function in per_function:
            per_function[function]["score"] += test["score"]
            per_function[function]["max_score"] += test["max_score"]
    missing = sorted(f for f in FUNCTIONS if worker and worker.functions is not None
                     and f not in worker.functions)
    lines = [isolation.note]
    if missing:
        lines.append(f"kmeans.py does not define: {', '.join(missing)}.")
    if worker and worker.timed_out:
        status = "timed out"
        lines.append("Some functions did not finish in time: " + ", ".join(sorted(worker.timed_out)))
    if worker and worker.out_of_time:
        status = "timed out"
        lines.append(f"The submission used up its {worker.limits.total_seconds:g} s of grading "
                     f"time: the checks after that were not run and score 0.")
    return {
        "score": round(sum(t["score"] for t in tests), 4),
        "output": "\n".join(lines),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"status": status, "isolation": isolation.mode,
                       "functions": {f: {k: round(v, 4) for k, v in s.items()}
                                     for f, s in per_function.items()}},
    }


def _unloadable(message: str, isolation: Isolation, output: str = "") -> dict:
    """Results for a submission that could not be loaded: every test scores 0, explained."""
    collector = run_suites(_Unloadable(message))
    tests = collector.tests.values()
    for test in tests:
        test["score"] = 0.0
        test["output"] = f"Not graded: {message}"
    results = _results(tests, isolation, status="unreadable")
    results["output"] = f"{message}\n{isolation.note}" + (
        f"\nWhat kmeans.py printed while loading:\n{output}" if output else "")
    results["score"] = 0.0
    return results


class _Unloadable:
    """Stands in for a submission that does not load: every function call fails with why."""

    def __init__(self, message: str):
        self.message = message

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def function(*args, **kwargs):
            raise _LoadFault(self.message)

        return function


class _LoadFault(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.student_message = f"could not be run: {message}"


def write_results(results: dict, out) -> Path:
    """Write results.json atomically (a temporary file renamed into place)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".results-", dir=out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=2, allow_nan=False)
        handle.write("\n")
    os.chmod(temporary, 0o644)
    os.replace(temporary, out)
    return out


def summary_table(results: dict) -> str:
    """A per-function table for the terminal."""
    rows = [f"{'function':<26}{'score':>8}{'max':>8}"]
    for function, s in results["extra_data"]["functions"].items():
        rows.append(f"{function:<26}{s['score']:>8g}{s['max_score']:>8g}")
    total = sum(t["max_score"] for t in results["tests"])
    rows.append(f"{'total':<26}{results['score']:>8g}{total:>8g}")
    return "\n".join(rows)


def print_fault(error: BaseException) -> None:
    traceback.print_exception(error, file=sys.stderr)
