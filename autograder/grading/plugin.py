"""The pytest plugin that runs the checks: what each check is worth, and how each one went.

Points, names and visibility come from the checks themselves: ``@pytest.mark.function(name)``
the function it grades (one of ``spec.NAMES``), the first line of its docstring its name
(starting with that function), ``@pytest.mark.points(n)`` its points,
``@pytest.mark.visibility(v)`` its Gradescope visibility (default "visible" for the public
tests, ``hidden_visibility`` for the hidden suites). A check may record a partial ``fraction``
of its points with ``record_property``. A check that fails through ``pytest.fail`` is the
student's; any other error in it is the grader's, and its details go to the instructor.
"""

import contextlib
import io
import os
from pathlib import Path

import pytest

from .. import paths, spec
from ..results import VISIBILITIES, CheckResult, Results
from .faults import GraderFault
from .student import StudentModule, feedback_template

SUITES = paths.SUITES
PUBLIC_TESTS = paths.PUBLIC_TESTS
OUTPUT_LIMIT = 4000  # characters of one test's output
PASSED = "Passed."  # the output of a passed test that recorded no message of its own
# A check records under this name the grader's helpers that stood in for the student's.
HELPERS_PROPERTY = "graded_with_reference_helpers"
GRADER_BROKE = ("The grader could not run this check because of an error in the grader itself, "
                "not in your code. Your instructor can see the details.")


class Collector:
    """A pytest plugin: hands the tests the student's module and records every outcome."""

    def __init__(self, student, hidden_visibility: str = "visible"):
        self.student = student
        self.hidden_visibility = hidden_visibility
        self.tests = {}  # nodeid -> result dict, in run order
        self.faults = []  # grader errors (tracebacks), never shown to students
        self.artifacts = {}  # name -> array the student's code produced, for feedback pages
        self.collection_fault = None  # a check that is not properly marked: nothing runs
        self.helpers = {}  # nodeid -> the grader's helpers that stood in for the student's
        self.kinds = {}  # nodeid -> how a failed check failed (a kind of checks.HIDDEN_KINDS)
        self.hidden_ran = False  # a hidden check has started: the student's code saw its inputs

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
        if test is not None and not test.get("public"):
            self.hidden_ran = True
        if isinstance(self.student, StudentModule) and test is not None:
            self.student.public_call = not self._worded_as_hidden(test)

    def _worded_as_hidden(self, test: dict) -> bool:
        """A hidden check, or a public one that runs after a hidden one (whose inputs the
        student's code may have kept): its output says nothing the code chose."""
        return not test.get("public") or self.hidden_ran

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        """Mark failures raised by a check (pytest.fail), as opposed to errors of the grader."""
        outcome = yield
        report = outcome.get_result()
        report.from_check = call.excinfo is not None and call.excinfo.errisinstance(
            pytest.fail.Exception)
        failure = call.excinfo.value if report.from_check else None
        report.failure_kind = (getattr(failure, "kind", None), getattr(failure, "fact", None),
                               bool(getattr(failure, "needs_right_result", False)))

    def pytest_runtest_logreport(self, report):
        test = self.tests.get(report.nodeid)
        if test is None or (report.when != "call" and report.passed):
            return
        properties = dict(report.user_properties)
        if properties.get(HELPERS_PROPERTY):
            self.helpers[report.nodeid] = [str(h) for h in properties[HELPERS_PROPERTY]]
        hidden = self._worded_as_hidden(test)
        if report.passed:
            test["score"] = test["max_score"]
            test["output"] = PASSED if hidden else properties.get("message", PASSED)
        elif report.failed:
            self.kinds[report.nodeid] = getattr(report, "failure_kind", (None,))[0]
            failed_check = getattr(report, "from_check", False)
            fraction = float(properties.get("fraction", 0.0))
            test["score"] = round(test["max_score"] * fraction, 4)
            if failed_check and hidden:
                test["output"] = hidden_output(test["function"], report)
            elif failed_check:
                test["output"] = _message(report)
            else:
                self.faults.append(f"{report.nodeid}: {report.longreprtext}")
                test["output"] = GRADER_BROKE
        elif report.skipped:
            test["output"] = "Skipped."

    def pytest_sessionfinish(self):
        """A check graded with the grader's helpers standing in for the student's says so
        first, naming those of them that fail their own checks (known only now: the capstone
        runs first)."""

        for nodeid, helpers in self.helpers.items():
            test = self.tests[nodeid]
            failing = [helper for helper in helpers if any(
                other["function"] == helper and other["score"] < other["max_score"]
                for other in self.tests.values())]
            note = feedback_template().helpers_note(test["function"], helpers, failing)
            test["output"] = f"{note}\n{test['output']}"
        template = feedback_template()
        mistaken = {nodeid for nodeid, test in self.tests.items()  # failed, and not for want of time
                    if test["score"] < test["max_score"]
                    and self.kinds.get(nodeid) not in template.NOT_RUN}
        failed = {self.tests[nodeid]["function"] for nodeid in mistaken}
        for nodeid, test in self.tests.items():  # the public capstone checks: the student's own
            if (nodeid not in self.helpers and test["function"] == template.CAPSTONE
                    and nodeid in mistaken and test["output"] != GRADER_BROKE
                    and test.get("public")):
                note = template.failing_helpers_note(failed)
                if note:
                    test["output"] = f"{note}\n{test['output']}"


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
    public = item.path == PUBLIC_TESTS
    visibility = item.get_closest_marker("visibility")
    visibility = (visibility.args[0] if visibility else
                  "visible" if public else hidden_visibility)
    if visibility not in VISIBILITIES:
        raise GraderFault(f"{item.nodeid}: visibility {visibility!r} is not one of {VISIBILITIES}")
    return {"name": name, "function": function,
            "max_score": float(points.args[0]) if points else 0.0, "score": 0.0, "output": "",
            "visibility": visibility, "public": public}


def hidden_output(function: str, report) -> str:
    """The output of a failed hidden check: the one place it is worded (checks.hidden_message),
    from the function's name and the failure's kind and fact, never from its message."""
    kind, fact, needs_right_result = getattr(report, "failure_kind", (None, None, False))
    return feedback_template().hidden_message(function, kind, fact, needs_right_result)


def _message(report) -> str:
    text = report.longreprtext.strip()
    if text.startswith("Failed: "):
        text = text[len("Failed: "):]
    return text if len(text) <= OUTPUT_LIMIT else text[:OUTPUT_LIMIT] + " [... cut]"


# pytest's own plugins the suites never use, left out so that they cost no import and no hook:
# no cache, test-case classes, doctests, debugger, temporary folders, log capture, the
# monkeypatch and recwarn fixtures, and the collection of unraisable exceptions (a full garbage
# collection at the end, whose warnings -W ignore drops anyway). junitxml stays: it gives the
# checks record_property.
UNUSED_PLUGINS = [f"-pno:{name}" for name in (
    "cacheprovider", "unittest", "doctest", "pastebin", "debugging", "legacypath",
    "tmpdir", "logging", "setuponly", "setupplan", "stepwise", "faulthandler", "subtests",
    "unraisableexception", "threadexception", "monkeypatch", "recwarn")]


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


def _arguments(include_hidden: bool, collect_only: bool = False, *more) -> list[str]:
    """pytest's command line for the suites: no plugin but ours (an installed one, hypothesis's
    say, would cost seconds or change what runs) and no assertion rewriting (the checks fail
    with their own messages)."""
    targets = [str(PUBLIC_TESTS)] + ([str(SUITES)] if include_hidden else [])
    targets += ["--collect-only"] if collect_only else []
    return [*targets, "-q", *UNUSED_PLUGINS, "--rootdir", str(paths.ROOT), "-o",
            "addopts=", "-o", "testpaths=", "--import-mode=importlib", "--assert=plain",
            "-W", "ignore", "--no-header", "--tb=short", *more]


class Prepared:
    """The suites collected once, ready to run in a process forked after: pytest configured,
    its session started and every check collected (the batch's warm server makes one, so that
    the graders it forks skip pytest's start and collection: about a third of a forked grader's
    own CPU).

    Run at most once per process, and never in the one that made it: each forked grader runs
    its own copy (``run``), and the maker's stays as collected. ``checks`` are the collected
    checks' entries, as ``describe_check`` made them."""

    def __init__(self, include_hidden: bool = True, hidden_visibility: str = "visible"):
        from _pytest.config import _prepareconfig
        from _pytest.main import Session

        self.include_hidden, self.hidden_visibility = include_hidden, hidden_visibility
        self.collector = Collector(None, hidden_visibility)
        self.sink = io.StringIO()
        self.maker, self.used = os.getpid(), False
        with contextlib.redirect_stdout(self.sink), contextlib.redirect_stderr(self.sink), \
                _no_autoload():
            # No capture: pytest's would take over this process's file descriptors, which the
            # graders forked later set themselves (student code never prints here: the sandbox
            # sends back what it printed, and what the grader prints goes to the sink).
            self.config = _prepareconfig(_arguments(include_hidden, False, "--capture=no"),
                                         plugins=[self.collector])
            self.session = Session.from_config(self.config)
            self.session.exitstatus = pytest.ExitCode.OK
            self.config._do_configure()
            try:
                self.config.hook.pytest_sessionstart(session=self.session)
                self.config.hook.pytest_collection(session=self.session)
            except BaseException:
                self.config._ensure_unconfigure()
                raise
        self._checks = [dict(test) for test in self.collector.tests.values()]
        self.sound = (not self.session.testsfailed and self.session.testscollected > 0
                      and self.collector.collection_fault is None)

    @property
    def checks(self) -> list[dict]:
        return [dict(test) for test in self._checks]

    def serves(self, include_hidden: bool, hidden_visibility: str) -> bool:
        """Whether ``run`` may grade this: the same suites, unused, in a process forked after."""
        return (self.sound and not self.used and os.getpid() != self.maker
                and (include_hidden, hidden_visibility) == (self.include_hidden,
                                                            self.hidden_visibility))

    def run(self, student) -> tuple[Collector, int, str]:
        """Run the collected checks against ``student``: the collector, pytest's exit status
        and what pytest printed (as pytest.main would give them)."""
        self.used = True
        session, config, collector = self.session, self.config, self.collector
        collector.student = config.kmeans_student = student
        with contextlib.redirect_stdout(self.sink), contextlib.redirect_stderr(self.sink):
            try:
                try:
                    config.hook.pytest_runtestloop(session=session)
                    session.exitstatus = (pytest.ExitCode.TESTS_FAILED if session.testsfailed
                                          else pytest.ExitCode.OK)
                except session.Failed:
                    session.exitstatus = pytest.ExitCode.TESTS_FAILED
                except KeyboardInterrupt:
                    session.exitstatus = pytest.ExitCode.INTERRUPTED
                except BaseException as error:  # pytest's own fault, said as pytest.main would
                    session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
                    print(f"{type(error).__name__}: {error}")
                if session.exitstatus != pytest.ExitCode.INTERRUPTED:
                    config.hook.pytest_sessionfinish(session=session,
                                                     exitstatus=session.exitstatus)
            finally:
                config._ensure_unconfigure()
        return collector, session.exitstatus, self.sink.getvalue()


PREPARED: list[Prepared] = []  # the suites collected once (prepare), for the graders forked after


def prepare(include_hidden: bool = True, hidden_visibility: str = "visible") -> Prepared:
    """Collect the suites once in this process, for every grader forked from it (run_suites
    runs them there; collect_checks reads them here too)."""
    prepared = Prepared(include_hidden, hidden_visibility)
    PREPARED[:] = [prepared]
    return prepared


def run_suites(student, include_hidden: bool = True, collect_only: bool = False,
               hidden_visibility: str = "visible") -> Collector:
    """Run the public tests (and the hidden suites) against ``student``; return the collector.

    With ``collect_only`` nothing runs (``student`` may be None): the collector lists the tests
    with their points. In a grader forked after ``prepare``, the checks it collected run.
    """
    prepared = next((p for p in PREPARED if not collect_only
                     and p.serves(include_hidden, hidden_visibility)), None)
    if prepared is not None:
        collector, code, printed = prepared.run(student)
    else:
        collector = Collector(student, hidden_visibility)
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
                _no_autoload():
            code = pytest.main(_arguments(include_hidden, collect_only), plugins=[collector])
        printed = sink.getvalue()
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if collector.collection_fault:
        raise collector.collection_fault
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise GraderFault(f"pytest could not run the suites (exit {code}):\n{printed}")
    return collector


def collect_checks(include_hidden: bool = True,
                   hidden_visibility: str = "visible") -> list[CheckResult]:
    """Every check with its function, points and visibility, in results.json's order, without
    running any."""
    prepared = next((p for p in PREPARED if p.sound and (p.include_hidden, p.hidden_visibility)
                     == (include_hidden, hidden_visibility)), None)
    if prepared is not None:
        return Results([CheckResult(**test) for test in prepared.checks]).tests
    collector = run_suites(None, include_hidden, True, hidden_visibility)
    return Results(collector.results()).tests


def check_names(include_hidden: bool = True) -> list[str]:
    """The name of every check, in results.json's order, found without running any."""
    return [test.name for test in collect_checks(include_hidden)]
