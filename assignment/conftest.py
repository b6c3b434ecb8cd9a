"""Gives the public tests your kmeans.py (the one beside this file) as the `student` fixture.

Your functions are called here the way the grader calls them (see the top of checks.py): every
call gets fresh copies of its inputs; it runs under the grader's time limits, in CPU seconds with
a wall-clock ceiling, and a function that ran out of time is not called again; kmeans.py may
import only what the grader has (numpy, matplotlib, pillow and the standard library). A failure
names the line of kmeans.py where your code raised or was running when time ran out.
"""

import builtins
import copy
import importlib.util
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # so the tests can `import checks`

import checks  # noqa: E402  (after the path above)


def pytest_configure(config):
    config.addinivalue_line("markers", "function(name): the function of kmeans.py the test checks")
    config.addinivalue_line("markers", "points(n): how many points the test is worth")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Head each failure with the sentence that names the check (its docstring's first line);
    a failed compress_image check says first which of the functions it calls failed theirs."""
    outcome = yield
    report = outcome.get_result()
    graded = getattr(item.config, "kmeans_student", None) is not None  # the grader words its own
    doc = (getattr(item, "function", None).__doc__ or "").strip().splitlines()
    if report.failed and call.when == "call" and doc and not graded:
        marker = item.get_closest_marker("function")
        function = marker.args[0] if marker and marker.args else None
        failed = item.config.stash.setdefault(FAILED_FUNCTIONS, set())
        not_run = getattr(call.excinfo.value, "kind", None) in checks.NOT_RUN
        if not not_run:
            failed.add(function)
        note = (checks.failing_helpers_note(failed)
                if function == checks.CAPSTONE and not not_run else "")
        report.longrepr = f"Checked: {doc[0]}\n{note + chr(10) if note else ''}{report.longreprtext}"


FAILED_FUNCTIONS = pytest.StashKey[set]()  # the functions a check failed for, so far


class StudentFault(Exception):
    """A call that did not return, as the grader words it (``student_message``)."""

    def __init__(self, student_message: str):
        super().__init__(student_message)
        self.student_message = student_message


class OutOfTime(BaseException):
    """Raised into a call that used up its time (a BaseException: `except Exception` in the
    student's code does not stop it)."""


def line_in(path: Path, tb):
    """(line, function) of the last frame of ``tb`` in the file ``path``, or (None, None)."""
    frames = [frame for frame in traceback.extract_tb(tb) if Path(frame.filename) == path]
    return (frames[-1].lineno, frames[-1].name) if frames else (None, None)


class LocalModule:
    """Your kmeans.py as the tests see it, called as the grader calls it.

    ``getattr(module, name)`` is None for a function the file does not define. A call returns
    the value or raises what the function raised, with ``student_message`` saying it as the
    grader does. ``last_reply`` says which array arguments (by position among the arrays) the
    last call modified and which the result is a view of, as the grader's sandbox reports.
    """

    def __init__(self, module, path: Path):
        self._module, self._path = module, path
        self.last_reply = None
        self.time_limits = {}  # name -> CPU seconds, as the grader's (checks.time_limit)
        self.timed_out = set()
        self.used = self.wall = 0.0

    def __getattr__(self, name):
        function = getattr(self._module, name, None)
        if name.startswith("_") or not callable(function):
            if name.startswith("_"):
                raise AttributeError(name)
            return None

        def called(*args, **kwargs):
            return self._call(name, function, args, kwargs)

        called.__name__ = name
        return called

    def _call(self, name, function, args, kwargs):
        if name in self.timed_out:
            raise StudentFault(checks.sandbox_message("timed out before"))
        if self.used >= checks.TOTAL_SECONDS or self.wall >= checks.TOTAL_SECONDS * \
                checks.WALL_FACTOR:
            raise StudentFault(checks.sandbox_message("out of time", used=self.used,
                                                      wall=self.wall,
                                                      budget=checks.TOTAL_SECONDS))
        # Fresh copies, as the grader sends: nothing a call does to them reaches the test.
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        given = [a for a in args if isinstance(a, np.ndarray)]  # as the grader counts them
        before = [a.copy() for a in given]
        seconds = self.time_limits.get(name, checks.time_limit(name))
        over = []
        start_cpu, start_wall = time.process_time(), time.monotonic()
        try:
            with time_limit(seconds, over), only_available_imports(self._path):
                result = function(*args, **kwargs)
        except OutOfTime as stopped:
            line, inside = line_in(self._path, stopped.__traceback__)
            message = checks.sandbox_message("timed out", seconds=seconds, clock=over[0])
            where = f" (it was running kmeans.py line {line}, in {inside})" if line else ""
            self.timed_out.add(name)
            raise StudentFault(message + where) from None
        except Exception as error:
            self._raise(error)
        except BaseException as error:  # sys.exit() and the like: a failure of the call
            if isinstance(error, KeyboardInterrupt):
                raise
            self._raise(error)
        finally:
            self.used += time.process_time() - start_cpu
            self.wall += time.monotonic() - start_wall
        if over:  # its code caught OutOfTime and carried on: still out of time
            self.timed_out.add(name)
            raise StudentFault(checks.sandbox_message("timed out", seconds=seconds,
                                                      clock=over[0]))
        self.last_reply = SimpleNamespace(
            modified=[i for i, (a, b) in enumerate(zip(given, before))
                      if a.shape != b.shape or a.dtype != b.dtype
                      or not np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")],
            views=[i for i, a in enumerate(given)
                   if isinstance(result, np.ndarray) and np.shares_memory(result, a)])
        return result

    def _raise(self, error: BaseException):
        line, _ = line_in(self._path, error.__traceback__)
        try:
            text = str(error)[:500]
        except Exception:  # an exception that cannot print itself
            text = "(its message could not be printed)"
        message = checks.raised_message(type(error).__name__, text, line)
        if isinstance(error, Exception) and not isinstance(error, NotImplementedError):
            try:
                error.student_message = message
            except (AttributeError, TypeError):
                raise StudentFault(message) from None
            raise error.with_traceback(None)
        if isinstance(error, NotImplementedError):
            raise error.with_traceback(None)
        raise StudentFault(message) from None


class time_limit:
    """Stop the code inside after ``seconds`` of this process's CPU time, or ``WALL_FACTOR``
    times that of wall-clock time, by raising OutOfTime in it (again every half second, should
    it catch that); ``over`` gets "CPU" or "wall-clock". (Where signals cannot be used, as off
    the main thread, nothing is limited.)"""

    def __init__(self, seconds: float, over: list):
        self.seconds, self.over, self.saved = seconds, over, None

    def _stop(self, signum, frame):
        if not self.over:
            self.over.append("CPU" if signum == signal.SIGPROF else "wall-clock")
        raise OutOfTime()

    def __enter__(self):
        usable = hasattr(signal, "setitimer") and hasattr(signal, "SIGPROF")
        try:
            if usable:
                self.saved = (signal.signal(signal.SIGPROF, self._stop),
                              signal.signal(signal.SIGALRM, self._stop))
        except ValueError:  # not the main thread
            self.saved = None
        if self.saved:
            signal.setitimer(signal.ITIMER_PROF, self.seconds, 0.5)
            signal.setitimer(signal.ITIMER_REAL, self.seconds * checks.WALL_FACTOR, 0.5)
        return self

    def __exit__(self, *exc):
        if self.saved:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGPROF, self.saved[0])
            signal.signal(signal.SIGALRM, self.saved[1])
        return False


class only_available_imports:
    """While the code inside runs, an import made by kmeans.py itself of a package the grader
    does not have fails as it would there (ModuleNotFoundError), even if it is installed here."""

    def __init__(self, path: Path):
        self.path, self.saved = str(path), None

    def __enter__(self):
        self.saved = builtins.__import__
        original, path = self.saved, self.path

        def guarded(name, globals=None, locals=None, fromlist=(), level=0):
            if (level == 0 and globals is not None and globals.get("__file__") == path
                    and not checks.available(name)):
                raise ModuleNotFoundError(f"No module named '{name.split('.')[0]}'",
                                          name=name.split(".")[0])
            return original(name, globals, locals, fromlist, level)

        builtins.__import__ = guarded
        return self

    def __exit__(self, *exc):
        builtins.__import__ = self.saved
        return False


def import_submission(path: Path):
    """Load kmeans.py (as the grader does, with only its packages): the module, or pytest.fail
    with one line saying why it cannot be loaded."""
    source = path.read_bytes()
    try:
        refused = checks.unavailable_imports(source)
    except SyntaxError as error:
        refused, detail = [], f"line {error.lineno}: {error.msg}"
    else:
        detail = None
    if refused:  # before anything of the file runs
        line, package = refused[0]
        detail = f"line {line}: ModuleNotFoundError: No module named '{package}'"
        fail_to_load(path, detail, checks.AVAILABLE_TEXT)
    if detail is None:
        spec = importlib.util.spec_from_file_location("kmeans", path)
        module = importlib.util.module_from_spec(spec)
        try:
            with time_limit(checks.LOAD_SECONDS, []), only_available_imports(path):
                spec.loader.exec_module(module)
            return module
        except OutOfTime:
            detail = f"it did not finish loading within {checks.LOAD_SECONDS:g} s of CPU time"
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            if isinstance(error, SyntaxError):
                detail = f"line {error.lineno}: {error.msg}"
            else:
                line, _ = line_in(path, error.__traceback__)
                detail = f"line {line or '?'}: {type(error).__name__}: {error}"
    fail_to_load(path, detail)


def fail_to_load(path: Path, detail: str, why: str = ""):
    # Failing outside `except` keeps the message free of a chained traceback.
    pytest.fail(f"{path.name} could not be imported ({detail}). {why + ' ' if why else ''}"
                f"Fix that first: no function can be tested until the file runs.", pytrace=False)


@pytest.fixture(scope="session")
def student(pytestconfig):
    """Your kmeans.py: KMEANS_SUBMISSION names another file to test instead."""
    given = getattr(pytestconfig, "kmeans_student", None)  # set by the grader's own runner
    if given is not None:
        if isinstance(getattr(given, "time_limits", None), dict):  # the same limits there
            for name, seconds in checks.TIME_LIMITS.items():
                given.time_limits.setdefault(name, seconds)
        return given
    path = Path(os.environ.get("KMEANS_SUBMISSION", HERE / "kmeans.py")).resolve()
    if not path.is_file():
        pytest.fail(f"there is no file {path} to test.", pytrace=False)
    return LocalModule(import_submission(path), path)
