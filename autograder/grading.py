"""Grade one submission: stage it, start its sandbox, run the suites, build results.json.

The tests run here, in the trusted process, with pytest; the student's functions are reached
only through the sandboxed worker (:class:`StudentModule` over ``sandbox.Sandbox``), whose
outcomes this module turns into the student's results or, when the fault is the grader's, into
:class:`GraderFault`; every sentence a student reads comes from ``assignment/checks.py``. Points,
names and visibility come from the tests themselves: ``@pytest.mark.function(name)`` the
function it grades (one of ``spec.NAMES``), the first line of its docstring its name (starting
with that function), ``@pytest.mark.points(n)`` its points, ``@pytest.mark.visibility(v)`` its
Gradescope visibility (default "visible" for the public tests, ``hidden_visibility`` for the
hidden suites). A test may record a partial ``fraction`` of its points with
``record_property``. The outcome is a ``results.Results``, which writes Gradescope's
results.json.
"""

import contextlib
import io
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pytest

from . import paths, sandbox, spec
from .results import VISIBILITIES, CheckResult, Results, Status, read_submitter
from .sandbox import Isolation, Limits
from .submission import SubmissionError, stage

SUITES = paths.SUITES
PUBLIC_TESTS = paths.ASSIGNMENT / "test_kmeans.py"
FUNCTIONS = spec.NAMES
OUTPUT_LIMIT = 4000  # characters of one test's output
PASSED = "Passed."  # the output of a passed test that recorded no message of its own


class GraderFault(RuntimeError):
    """Something went wrong in the grader itself, not in the submission."""


class SetupFault(GraderFault):
    """The grader is set up wrongly (an isolation that cannot run here): one line says how."""


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

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        """Tell the student's module whether a public check runs (its inputs are no secret)."""
        test = self.tests.get(item.nodeid)
        if isinstance(self.student, StudentModule) and test is not None:
            self.student.public_call = bool(test.get("public"))

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


@contextlib.contextmanager
def _no_autoload():
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous


def run_suites(student, include_hidden: bool = True, collect_only: bool = False,
               hidden_visibility: str = "visible") -> Collector:
    """Run the public tests (and the hidden suites) against ``student``; return the collector.

    With ``collect_only`` nothing runs: the collector lists the tests with their points.
    """
    collector = Collector(student, hidden_visibility)
    targets = [str(PUBLIC_TESTS)] + ([str(SUITES)] if include_hidden else [])
    targets += ["--collect-only"] if collect_only else []
    # No plugin but ours (an installed one, hypothesis's say, would cost seconds or change what
    # runs) and no assertion rewriting (the checks fail with their own messages).
    args = [*targets, "-q", "-p", "no:cacheprovider", "--rootdir", str(paths.ROOT), "-o",
            "addopts=", "-o", "testpaths=", "--import-mode=importlib", "--assert=plain",
            "-W", "ignore", "--no-header", "--tb=short"]
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), _no_autoload():
        code = pytest.main(args, plugins=[collector])
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if collector.collection_fault:
        raise collector.collection_fault
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise GraderFault(f"pytest could not run the suites (exit {code}):\n{sink.getvalue()}")
    return collector


PROBED = "KMEANS_SANDBOX_PROBED"  # what a batch's probes found, for the graders it starts


def detect_isolation(environ=os.environ) -> Isolation:
    """The isolation this machine allows: ``KMEANS_SANDBOX=bubblewrap|landlock|process`` forces
    one, ``fallback`` the strongest without bubblewrap, ``auto`` (the default) the strongest;
    SetupFault if the one asked for cannot run."""
    asked = environ.get("KMEANS_SANDBOX", "auto").strip().lower() or "auto"
    if asked not in ("auto", "fallback", *sandbox.MODES):
        raise SetupFault(f"KMEANS_SANDBOX={asked!r} is not a mode: use auto, "
                         f"{', '.join(sandbox.MODES)} or fallback")
    if environ.get(PROBED):
        with contextlib.suppress(ValueError):
            sandbox.remember(json.loads(environ[PROBED]))
    forced = asked if asked in sandbox.MODES else None
    without = ("bubblewrap",) if asked == "fallback" else ()
    try:
        return sandbox.detect(forced, without, hidden_paths())
    except sandbox.SandboxUnavailable as error:
        raise SetupFault(f"KMEANS_SANDBOX={asked}, but {error.mode} cannot run here: "
                         f"{error.why}") from None


def isolation_note(isolation: Isolation) -> str:
    """What the results say of how student code was isolated (worded by checks.py)."""
    return _checks().isolation_note(isolation.name, isolation.own_uid, isolation.forced,
                                    sandbox.landlock.abi_version() > 0, isolation.missing,
                                    isolation.strongest)


def hidden_paths() -> list[Path]:
    """What student code must never see even inside the Python installation: this package whole
    (a wheel installs the reference, the suites and the hidden images inside it), the project
    it was installed from, and every folder of hidden material."""
    return [Path(__file__).resolve().parent, paths.ROOT, *paths.hidden_roots()]


def _checks():
    """The feedback template, assignment/checks.py: it words every sentence a student reads."""
    if str(paths.ASSIGNMENT) not in sys.path:
        sys.path.insert(0, str(paths.ASSIGNMENT))
    import checks

    return checks


class StudentFault(Exception):
    """The submission failed in a way that is its own fault; ``student_message`` says how."""

    def __init__(self, student_message: str):
        super().__init__(student_message)
        self.student_message = student_message


BUILTIN_ERRORS = {cls.__name__: cls for cls in (
    ValueError, TypeError, IndexError, KeyError, ZeroDivisionError, NotImplementedError,
    AttributeError, NameError, UnboundLocalError, RuntimeError, RecursionError, AssertionError,
    FloatingPointError, OverflowError, MemoryError, ArithmeticError, LookupError)}


HIDDEN_MESSAGE = 160  # characters of an exception's message shown from a hidden check


class StudentModule:
    """The student's kmeans.py as the tests see it: attribute access calls into the sandbox.

    ``getattr(module, name)`` is None for a function the file does not define, so the checks
    report it as missing and grade the others. A call returns the value, or raises what the
    function raised (as the built-in exception, so ``pytest.raises(ValueError)`` works) or a
    StudentFault; each carries ``student_message``. ``last_reply`` is the last Returned.
    """

    def __init__(self, box: sandbox.Sandbox, functions, time_limits=None):
        self._box, self._functions = box, set(functions)
        self.last_reply = None
        self.printed = {}  # function name -> what its first call that printed printed
        # Whether the check now running is a public one (set by the Collector). What a call
        # prints, or says in an exception, can carry its inputs: only a public check's calls
        # show their output, and a hidden check's exception messages are kept short.
        self.public_call = True
        self.time_limits = dict(time_limits or {})

    def __getattr__(self, name):
        if name.startswith("_") or name not in self._functions:
            if name.startswith("_"):
                raise AttributeError(name)
            return None

        def function(*args, **kwargs):
            try:
                outcome = self._box.call(name, args, kwargs, self.time_limits.get(name))
            except sandbox.NotReady as error:
                raise GraderError(f"calling {name}: {error}") from None
            if getattr(outcome, "printed", "") and name not in self.printed and self.public_call:
                self.printed[name] = outcome.printed
            if isinstance(outcome, sandbox.Raised) and not self.public_call:
                outcome.message = outcome.message[:HIDDEN_MESSAGE]
            if isinstance(outcome, sandbox.Returned):
                self.last_reply = outcome
                return outcome.value
            raise student_error(outcome, self._box.limits)

        function.__name__ = name
        return function


class GraderError(BaseException):
    """A failure of the grader itself while calling into the sandbox. A BaseException, so the
    checks' ``except Exception`` never mistakes it for the student's."""


def student_error(outcome, limits: Limits, doing: str = "") -> Exception:
    """The exception a check sees for an outcome that is not a return: whose fault, and how
    the student is told."""
    checks = _checks()
    if isinstance(outcome, sandbox.Raised):
        message = checks.raised_message(outcome.type, outcome.message, outcome.line,
                                        outcome.errno, limits.file_bytes >> 20, outcome.where)
        for base in [outcome.type, *outcome.bases]:
            if base in BUILTIN_ERRORS and outcome.type != "SystemExit":
                error = BUILTIN_ERRORS[base](outcome.message)
                error.student_message = message
                return error
        return StudentFault(message)
    if isinstance(outcome, sandbox.TimedOut):
        return StudentFault(checks.sandbox_message("timed out", doing, seconds=outcome.seconds,
                                                   clock=outcome.clock))
    if isinstance(outcome, sandbox.NotRun):
        return StudentFault(checks.sandbox_message(outcome.reason, used=outcome.used,
                                                   wall=outcome.wall,
                                                   budget=limits.total_seconds))
    if isinstance(outcome, sandbox.Malformed):
        return StudentFault(checks.sandbox_message("malformed", doing, problem=outcome.problem))
    if isinstance(outcome, sandbox.Died):
        return StudentFault(checks.sandbox_message("died", doing, signal=outcome.signal,
                                                   status=outcome.status, why=outcome.why))
    raise GraderFault(f"the sandbox gave an unknown outcome: {outcome!r}")


NOTEBOOK_FACTS = {"what": str, "cell": int, "line": int, "message": str, "function": str,
                  "error": str, "detail": str, "expected": list, "raised": str}


def _facts(data) -> dict:
    """The facts the sandbox sent of a notebook (a note, or a problem as JSON), with only the
    names and types checks.py words; a problem that is not that is its own detail."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return {"what": "unreadable", "detail": data}
    if not isinstance(data, dict) or not isinstance(data.get("what"), str):
        return {"what": "unreadable", "detail": str(data)[:200]}
    return {key: value for key, value in data.items() if key in NOTEBOOK_FACTS
            and isinstance(value, NOTEBOOK_FACTS[key]) and not isinstance(value, bool)
            and (key != "expected" or all(isinstance(v, str) for v in value))}


def load(box: sandbox.Sandbox):
    """Start the submission's worker: (functions, None, printed) or (None, message, printed)."""
    try:
        outcome = box.start()
    except sandbox.NotReady as error:
        raise GraderFault(str(error)) from None
    notebook = box.module.notebook
    if isinstance(outcome, sandbox.Loaded):
        box.notes = [_checks().notebook_note(notebook, **_facts(note))
                     for note in outcome.notes]
        box.text = outcome.text
        return outcome.functions, None, outcome.printed
    if isinstance(outcome, sandbox.Raised):
        problem = outcome.message
        if notebook and outcome.type == "NotebookError":
            problem = _checks().notebook_problem(notebook, **_facts(problem))
        message = _checks().load_message(outcome.type, problem, outcome.line, outcome.where,
                                         notebook)
        return None, message, outcome.printed
    name = box.module.notebook or "kmeans.py"
    return None, f"{name} {student_error(outcome, box.limits, ' while loading')}", ""


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
        module = sandbox.Module(staged.read_bytes(), name="kmeans")
        if staged.suffix == ".ipynb":  # its module part is taken inside the sandbox
            module = sandbox.Module(module.source, staged.name,
                                    paths.require(paths.STUB).read_bytes(), FUNCTIONS, "kmeans")
    with sandbox.Sandbox(module, isolation, limits, hidden_paths(),
                         prefix="kmeans-worker-") as box:
        functions, problem, printed = load(box)
        if problem:
            return _unloadable(problem, box.isolation, printed, started, hidden_visibility)
        student = StudentModule(box, functions)
        collector = run_suites(student, include_hidden, hidden_visibility=hidden_visibility)
    if collector.faults:
        raise GraderFault("\n\n".join(collector.faults))
    if artifacts is not None:
        save_artifacts(collector.artifacts, artifacts)
        if box.text:  # a notebook's module part, for comparing submissions
            save_text(box.text, Path(artifacts) / "source.py")
    results = _results(collector.results(), box.isolation, box, functions, started=started)
    if box.notes:
        results.output += ("\n\nFrom your notebook, these were taken for analysis and not "
                           "graded:\n" + "\n".join(box.notes))
    results.output += printed_excerpt(student.printed)
    return results


def printed_excerpt(printed: dict, keep: int = 1500) -> str:
    """A short excerpt of what each function printed (its first call that printed)."""
    lines = []
    for name, text in printed.items():
        if len(text) > keep:
            text = f"{text[:keep // 2]}\n[... output truncated ...]\n{text[-keep // 2:]}"
        lines.append(f"{name} printed (its first call that printed):\n{text.rstrip()}")
    return ("\n\nWhat your functions printed in the public checks (what they print in the "
            "hidden ones is not shown), which does not affect your score:\n" + "\n".join(lines)
            if lines else "")


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


def save_text(text: str, path: Path) -> Path:
    """Write ``text`` atomically."""
    fd, temporary = tempfile.mkstemp(prefix=".source-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)
    return path


def collect_checks(include_hidden: bool = True) -> list[CheckResult]:
    """Every check with its function and points, in results.json's order, without running any."""
    return Results(run_suites(None, include_hidden, True).results()).tests


def check_names(include_hidden: bool = True) -> list[str]:
    """The name of every check, in results.json's order, found without running any."""
    return [test.name for test in collect_checks(include_hidden)]


def _results(tests: list[CheckResult], isolation: Isolation, box: sandbox.Sandbox | None = None,
             functions=None, status: Status = Status.GRADED,
             started: float | None = None) -> Results:
    missing = sorted(f for f in FUNCTIONS if functions is not None and f not in functions)
    lines = [isolation_note(isolation)]
    if missing:
        lines.append(f"kmeans.py does not define: {', '.join(missing)}.")
    if box and box.timed_out:
        status = Status.TIMED_OUT
        lines.append("Some functions did not finish in time: " + ", ".join(sorted(box.timed_out)))
    if box and box.out_of_time:
        status = Status.TIMED_OUT
        lines.append(f"The submission used up its {box.limits.total_seconds:g} s of grading "
                     f"time: the checks after that were not run and score 0.")
    return Results(tests, status, "\n".join(lines), isolation.name,
                   None if started is None else time.monotonic() - started, read_submitter(),
                   {"layers": list(isolation.layers), "missing_layers": list(isolation.missing)})


def _unloadable(message: str, isolation: Isolation, output: str = "",
                started: float | None = None, hidden_visibility: str = "visible") -> Results:
    """Results for a submission that could not be loaded: every test scores 0, explained."""
    collector = run_suites(_Unloadable(message), hidden_visibility=hidden_visibility)
    tests = collector.results()
    for test in tests:
        test.score = 0.0
        test.output = f"Not graded: {message}"
    results = _results(tests, isolation, status=Status.UNREADABLE, started=started)
    results.output = f"{message}\n{isolation_note(isolation)}" + (
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
