"""Grade one submission: stage it, start its sandbox, run the suites, build results.json.

The tests run here, in the trusted process, with pytest; the student's functions are reached
only through the sandboxed worker (``sandbox.Submission``). Points, names and visibility come
from the tests themselves: ``@pytest.mark.function(name)`` the function it grades (one of
``spec.NAMES``), the first line of its docstring its name (starting with that function),
``@pytest.mark.points(n)`` its points, ``@pytest.mark.visibility(v)`` its Gradescope visibility
(default "visible" for the public tests, ``hidden_visibility`` for the hidden suites). A test may
record a partial ``fraction`` of its points with ``record_property``. The outcome is a
``results.Results``, which writes Gradescope's results.json.
"""

import contextlib
import io
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pytest

from . import paths, spec
from .results import VISIBILITIES, Results, Status, CheckResult, read_submitter
from .sandbox import Isolation, Limits, Submission, Worker, detect_isolation
from .submission import SubmissionError, stage

SUITES = paths.ROOT / "autograder" / "suites"
PUBLIC_TESTS = paths.ASSIGNMENT / "test_kmeans.py"
FUNCTIONS = spec.NAMES
OUTPUT_LIMIT = 4000  # characters of one test's output
PASSED = "Passed."  # the output of a passed test that recorded no message of its own


class GraderFault(RuntimeError):
    """Something went wrong in the grader itself, not in the submission."""


class Collector:
    """A pytest plugin: hands the tests the student's module and records every outcome."""

    def __init__(self, student, hidden_visibility: str = "visible"):
        self.student = student
        self.hidden_visibility = hidden_visibility
        self.tests = {}  # nodeid -> result dict, in run order
        self.faults = []  # grader errors (tracebacks), never shown to students
        self.artifacts = {}  # name -> array the student's code produced, for feedback pages
        self.collection_fault = None  # a check that is not properly marked: nothing runs

    def pytest_configure(self, config):
        config.kmeans_student = self.student
        config.kmeans_artifacts = self.artifacts

    def pytest_collection_modifyitems(self, items):
        try:
            for item in items:
                self.tests[item.nodeid] = describe_check(item, self.hidden_visibility)
        except GraderFault as fault:
            self.collection_fault = fault
            items[:] = []

    def results(self) -> list[CheckResult]:
        return [CheckResult(**test) for test in self.tests.values()]

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


def describe_check(item, hidden_visibility: str = "visible") -> dict:
    """A collected check's entry: its name, function, points and visibility, from its markers.

    A check without a function marker, naming a function the spec does not grade, or whose name
    does not start with that function is a fault of the grader, found before anything runs.
    """
    doc = (item.function.__doc__ or "").strip().splitlines()
    marker = item.get_closest_marker("function")
    function = marker.args[0] if marker and marker.args else None
    if function not in spec.NAMES:
        raise GraderFault(f"{item.nodeid}: @pytest.mark.function names {function!r}, which is "
                          f"not one of the graded functions {spec.NAMES}")
    name = doc[0] if doc else item.name
    if not name.startswith(f"{function}: "):
        raise GraderFault(f"{item.nodeid}: its name {name!r} must start with '{function}: '")
    if hasattr(item, "callspec"):
        name = f"{name} [{item.callspec.id}]"
    points = item.get_closest_marker("points")
    public = Path(str(item.fspath)) == PUBLIC_TESTS
    visibility = item.get_closest_marker("visibility")
    visibility = (visibility.args[0] if visibility else
                  "visible" if public else hidden_visibility)
    if visibility not in VISIBILITIES:
        raise GraderFault(f"{item.nodeid}: visibility {visibility!r} is not one of {VISIBILITIES}")
    return {"name": name, "function": function,
            "max_score": float(points.args[0]) if points else 0.0, "score": 0.0, "output": "",
            "visibility": visibility, "public": public}


def _message(report) -> str:
    text = report.longreprtext.strip()
    if text.startswith("Failed: "):
        text = text[len("Failed: "):]
    return text if len(text) <= OUTPUT_LIMIT else text[:OUTPUT_LIMIT] + " [... cut]"


def run_suites(student, include_hidden: bool = True, collect_only: bool = False,
               hidden_visibility: str = "visible") -> Collector:
    """Run the public tests (and the hidden suites) against ``student``; return the collector.

    With ``collect_only`` nothing runs: the collector lists the tests with their points.
    """
    collector = Collector(student, hidden_visibility)
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
    if collector.collection_fault:
        raise collector.collection_fault
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise GraderFault(f"pytest could not run the suites (exit {code}):\n{sink.getvalue()}")
    return collector


def grade(path, include_hidden: bool = True, isolation: Isolation | None = None,
          limits: Limits = Limits(), artifacts=None,
          hidden_visibility: str = "visible") -> Results:
    """Grade the submission at ``path``; return its Results (which read like results.json).

    A submission that cannot be staged or loaded gets a valid result with score 0 and an
    explanation. A fault of the grader raises GraderFault. With ``artifacts`` (a folder), the
    student's capstone outputs are saved there as ``capstone.npz`` for the feedback page. The
    hidden suites' checks get Gradescope visibility ``hidden_visibility`` ("visible", "hidden",
    "after_due_date" or "after_published"; a check's own visibility marker wins).
    """
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {VISIBILITIES}, not "
                         f"{hidden_visibility!r}")
    started = time.monotonic()
    isolation = isolation or detect_isolation()
    with tempfile.TemporaryDirectory(prefix="kmeans-grade-") as scratch:
        try:
            staged = stage(path, Path(scratch) / "submission")
        except SubmissionError as error:
            return _unloadable(str(error), isolation, started=started,
                               hidden_visibility=hidden_visibility)
        worker = Worker(staged, isolation, limits)
        try:
            student = Submission(worker)
            try:
                worker.start()
            except Exception as fault:  # a submission that hangs or dies while loading
                worker.load_error = f"kmeans.py {getattr(fault, 'student_message', fault)}"
                worker.functions = set()
            if worker.load_error:
                return _unloadable(worker.load_error, isolation, worker.load_output, started,
                                   hidden_visibility)
            collector = run_suites(student, include_hidden, hidden_visibility=hidden_visibility)
        finally:
            worker.close()
    if collector.faults:
        raise GraderFault("\n\n".join(collector.faults))
    if artifacts is not None:
        save_artifacts(collector.artifacts, artifacts)
    return _results(collector.results(), isolation, worker, started=started)


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


def collect_checks(include_hidden: bool = True) -> list[CheckResult]:
    """Every check with its function and points, in results.json's order, without running any."""
    return Results(run_suites(None, include_hidden, True).results()).tests


def check_names(include_hidden: bool = True) -> list[str]:
    """The name of every check, in results.json's order, found without running any."""
    return [test.name for test in collect_checks(include_hidden)]


def _results(tests: list[CheckResult], isolation: Isolation, worker: Worker | None = None,
             status: Status = Status.GRADED, started: float | None = None) -> Results:
    missing = sorted(f for f in FUNCTIONS if worker and worker.functions is not None
                     and f not in worker.functions)
    lines = [isolation.note]
    if missing:
        lines.append(f"kmeans.py does not define: {', '.join(missing)}.")
    if worker and worker.timed_out:
        status = Status.TIMED_OUT
        lines.append("Some functions did not finish in time: " + ", ".join(sorted(worker.timed_out)))
    if worker and worker.out_of_time:
        status = Status.TIMED_OUT
        lines.append(f"The submission used up its {worker.limits.total_seconds:g} s of grading "
                     f"time: the checks after that were not run and score 0.")
    return Results(tests, status, "\n".join(lines), isolation.mode,
                   None if started is None else time.monotonic() - started, read_submitter())


def _unloadable(message: str, isolation: Isolation, output: str = "",
                started: float | None = None, hidden_visibility: str = "visible") -> Results:
    """Results for a submission that could not be loaded: every test scores 0, explained."""
    collector = run_suites(_Unloadable(message), hidden_visibility=hidden_visibility)
    tests = collector.results()
    for test in tests:
        test.score = 0.0
        test.output = f"Not graded: {message}"
    results = _results(tests, isolation, status=Status.UNREADABLE, started=started)
    results.output = f"{message}\n{isolation.note}" + (
        f"\nWhat kmeans.py printed while loading:\n{output}" if output else "")
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


def write_results(results: Results, out) -> Path:
    """Write results.json atomically; ``results.write`` does it (kept for its callers)."""
    return results.write(out)


def summary_table(results: Results) -> str:
    """A per-function table for the terminal."""
    rows = [f"{'function':<26}{'score':>8}{'max':>8}"]
    for function, s in results["extra_data"]["functions"].items():
        rows.append(f"{function:<26}{s['score']:>8g}{s['max_score']:>8g}")
    total = sum(t["max_score"] for t in results["tests"])
    rows.append(f"{'total':<26}{results['score']:>8g}{total:>8g}")
    return "\n".join(rows)


def print_fault(error: BaseException) -> None:
    traceback.print_exception(error, file=sys.stderr)
