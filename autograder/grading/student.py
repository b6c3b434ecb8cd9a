"""The student's module as the checks see it, and whose fault each sandbox outcome is.

The checks run in the trusted process; the student's functions only behind the sandboxed worker.
:class:`StudentModule` turns a call into the worker's outcome, and :func:`student_error` that
outcome, when it is not a return, into the exception the check sees: the built-in exception the
function raised, a :class:`StudentFault`, or, when the fault is the grader's, a
:class:`GraderError` or :class:`GraderFault`. :func:`load` starts the worker and says whether
the submission loaded. Every sentence a student reads is worded by ``assignment/checks.py``.
"""

import contextlib
import json
import sys
from dataclasses import dataclass

from .. import paths, sandbox
from ..sandbox import Limits
from .faults import GraderError, GraderFault, StudentFault

BUILTIN_ERRORS = {cls.__name__: cls for cls in (
    ValueError, TypeError, IndexError, KeyError, ZeroDivisionError, NotImplementedError,
    AttributeError, NameError, UnboundLocalError, RuntimeError, RecursionError, AssertionError,
    FloatingPointError, OverflowError, MemoryError, ArithmeticError, LookupError)}

HIDDEN_MESSAGE = 0  # characters of an exception's message a hidden check gets: none


def hide_from_hidden_check(outcome) -> None:
    """What a hidden check's call may not see: the text, line and notebook cell an exception
    came with, what the call printed. (Its output is worded by checks.hidden_message alone,
    whatever the check saw; this keeps the rest out of the check's own hands.)"""
    if isinstance(outcome, sandbox.Raised):
        outcome.message, outcome.line, outcome.where = outcome.message[:HIDDEN_MESSAGE], None, None
    if hasattr(outcome, "printed"):
        outcome.printed = ""


def feedback_template():
    """The feedback template, assignment/checks.py: it words every sentence a student reads."""
    if str(paths.ASSIGNMENT) not in sys.path:
        sys.path.insert(0, str(paths.ASSIGNMENT))
    import checks

    return checks


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
        self.call_backs = None  # sandbox.CallBacks the calls offer, when set (answering())

    @contextlib.contextmanager
    def answering(self, call_backs):
        """Within: every call offers ``call_backs`` (the grader's functions answer for the
        module's globals of their names, sandbox/callbacks.py)."""
        self.call_backs = call_backs
        try:
            yield self
        finally:
            self.call_backs = None

    @contextlib.contextmanager
    def separate(self):
        """A StudentModule of the same submission on a worker of its own, started at its first
        call and stopped on leaving, so that nothing its calls leave in the worker reaches any
        other call: its calls count toward this one's time budget."""
        box = self._box
        alone = type(box)(box.module, box.isolation, box.limits, box.hidden, box.prefix)
        alone.used, alone.wall = box.used, box.wall
        other = StudentModule(alone, self._functions, self.time_limits)
        other.public_call, other.printed = self.public_call, self.printed
        try:
            yield other
        finally:
            alone.stop()
            box.used, box.wall = alone.used, alone.wall
            box.timed_out.update(alone.timed_out)

    def __getattr__(self, name):
        if name.startswith("_") or name not in self._functions:
            if name.startswith("_"):
                raise AttributeError(name)
            return None

        def function(*args, **kwargs):
            try:
                outcome = self._box.call(name, args, kwargs, self.time_limits.get(name),
                                         callbacks=self.call_backs)
            except sandbox.NotReady as error:
                raise GraderError(f"calling {name}: {error}") from None
            except sandbox.CallBackFault as error:
                raise GraderError(f"calling {name}: {error}") from None
            if getattr(outcome, "printed", "") and name not in self.printed and self.public_call:
                self.printed[name] = outcome.printed
            if not self.public_call:
                hide_from_hidden_check(outcome)
            if isinstance(outcome, sandbox.Returned):
                self.last_reply = outcome
                return outcome.value
            raise student_error(outcome, self._box.limits)

        function.__name__ = name
        return function


def student_error(outcome, limits: Limits, doing: str = "") -> Exception:
    """The exception a check sees for an outcome that is not a return: whose fault, and how
    the student is told."""
    checks = feedback_template()
    if isinstance(outcome, sandbox.Raised):
        message = checks.raised_message(outcome.type, outcome.message, outcome.line,
                                        outcome.errno, limits.file_bytes >> 20, outcome.where)
        exited = outcome.type == "SystemExit"
        named = next((b for b in [outcome.type, *outcome.bases] if b in BUILTIN_ERRORS), None)
        if named and not exited:
            error = BUILTIN_ERRORS[named](outcome.message)
            error.student_message = message
        else:
            error = StudentFault(message)
        shown = next((b for b in [outcome.type, *outcome.bases]
                      if b in checks.HIDDEN_FACTS["raised"]), None)
        return _kind(error, "exit" if exited else "raised", shown)
    if isinstance(outcome, sandbox.TimedOut):
        return _kind(StudentFault(checks.sandbox_message(
            "timed out", doing, seconds=outcome.seconds, clock=outcome.clock)),
            "timed out", outcome.clock)
    if isinstance(outcome, sandbox.NotRun):
        return _kind(StudentFault(checks.sandbox_message(
            outcome.reason, used=outcome.used, wall=outcome.wall,
            budget=limits.total_seconds)), outcome.reason)
    if isinstance(outcome, sandbox.Malformed):
        return _kind(StudentFault(checks.sandbox_message("malformed", doing,
                                                         problem=outcome.problem)), "malformed")
    if isinstance(outcome, sandbox.Died):
        return _kind(StudentFault(checks.sandbox_message(
            "died", doing, signal=outcome.signal, status=outcome.status, why=outcome.why)),
            "died", outcome.signal)
    raise GraderFault(f"the sandbox gave an unknown outcome: {outcome!r}")


def _kind(error: Exception, kind: str, fact=None) -> Exception:
    """``error``, saying for a hidden check's output how the call failed (checks.HIDDEN_KINDS)
    and the one fact that kind may show (checks.HIDDEN_FACTS keeps only those it lists)."""
    error.kind, error.fact = kind, fact
    return error


@dataclass(frozen=True)
class Loading:
    """How the submission's loading went, as grading keeps it."""

    functions: tuple | None  # the functions it defines; None when it could not be loaded
    problem: str | None = None  # why it could not be loaded, worded for the student
    printed: str = ""  # what it printed while loading
    # From a notebook: (names, sentence) for each statement taken for analysis and not run:
    # the names it would have defined, and why they are undefined, worded for the student.
    notes: tuple = ()
    text: str = ""  # a notebook's module part, as the student wrote it


NOTEBOOK_FACTS = {"what": str, "cell": str, "line": int, "message": str, "function": str,
                  "error": str, "detail": str, "expected": list, "raised": str, "names": list}


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
            and (not isinstance(value, list) or all(isinstance(v, str) for v in value))}


def load(box: sandbox.Sandbox) -> Loading:
    """Start the submission's worker; a worker that cannot start is the grader's fault."""
    try:
        outcome = box.start()
    except sandbox.NotReady as error:
        raise GraderFault(str(error)) from None
    notebook = box.module.notebook
    if isinstance(outcome, sandbox.Loaded):
        notes = []
        for note in outcome.notes:
            facts = _facts(note)
            notes.append((tuple(facts.get("names", ())),
                          feedback_template().notebook_note(notebook, **facts)))
        notes = tuple(notes)
        return Loading(tuple(outcome.functions), printed=outcome.printed, notes=notes,
                       text=outcome.text)
    if isinstance(outcome, sandbox.Raised):
        problem = outcome.message
        if notebook and outcome.type == "NotebookError":
            problem = feedback_template().notebook_problem(notebook, **_facts(problem))
        message = feedback_template().load_message(outcome.type, problem, outcome.line, outcome.where,
                                         notebook)
        return Loading(None, message, outcome.printed)
    name = notebook or "kmeans.py"
    return Loading(None, f"{name} {student_error(outcome, box.limits, ' while loading')}")
