"""Grade one submission: stage it, start its sandbox, run the checks, build its Results.

:func:`grade` returns the ``results.Results`` of one submission (which ``Results.write`` makes
results.json); :func:`grade_and_write` is the whole `grade` command without its terminal: it
grades, writes results.json (or, when asked, the grader-error results if the grader failed) and
returns what happened as a :class:`Graded` for its caller to print. A submission that cannot be
staged or loaded is graded too: every check it would have had scores 0, with the reason.
"""

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths, sandbox, spec
from ..results import (VISIBILITIES, CheckResult, Results, Status, grader_error, provenance,
                       read_submitter)
from ..sandbox import Isolation, Limits
from ..submission import SubmissionError, stage_submission
from .faults import GraderFault, SetupFault
from .output import fault_details, printed_excerpt, save_artifacts, save_text, summary_table
from .plugin import collect_checks, run_suites
from .student import StudentModule, feedback_template, load

FUNCTIONS = spec.NAMES


PROBED = "KMEANS_SANDBOX_PROBED"  # what a batch's probes found, for the graders it starts


def detect_isolation(environ=os.environ, probe: bool = True) -> Isolation:
    """The isolation this machine allows: ``KMEANS_SANDBOX=bubblewrap|landlock|process`` forces
    one, ``fallback`` the strongest without bubblewrap, ``auto`` (the default) the strongest;
    SetupFault if the one asked for cannot run. With ``probe`` false, a mode not forced is taken
    without starting a worker first: the grading worker is its probe (sandbox.detect)."""
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
        return sandbox.detect(forced, without, hidden_paths(), probe)
    except sandbox.SandboxUnavailable as error:
        raise SetupFault(f"KMEANS_SANDBOX={asked}, but {error.mode} cannot run here: "
                         f"{error.why}") from None


def isolation_note(isolation: Isolation) -> str:
    """What the results say of how student code was isolated (worded by checks.py)."""
    return feedback_template().isolation_note(isolation.name, isolation.own_uid, isolation.forced,
                                    sandbox.landlock.abi_version() > 0, isolation.missing,
                                    isolation.strongest)


def hidden_paths() -> list[Path]:
    """What student code must never see even inside the Python installation: this package whole
    (a wheel installs the reference, the suites and the hidden images inside it), the project
    it was installed from, and every folder of hidden material."""
    return [paths.PACKAGE, paths.ROOT, *paths.hidden_roots()]


def grade(path, include_hidden: bool = True, isolation: Isolation | None = None,
          limits: Limits = Limits(), artifacts=None,
          hidden_visibility: str = "visible", refusal: str = "",
          uploaded_too: tuple = ()) -> Results:
    """Grade the submission at ``path``; return its Results (which read like results.json).

    A submission that cannot be staged or loaded gets a valid result with score 0 and an
    explanation. A fault of the grader raises GraderFault. With ``artifacts`` (a folder), the
    student's capstone outputs are saved there as ``capstone.npz`` for the feedback page. The
    hidden suites' checks get Gradescope visibility ``hidden_visibility`` ("visible", "hidden",
    "after_due_date" or "after_published"; a check's own visibility marker wins). A
    ``refusal`` (why no file of a student's uploads is the submission, see lms.base.choose) is
    that student's verdict: every check scores 0, explained by it, and nothing runs.
    ``uploaded_too`` names the student's other uploads, beside the file (an LMS's loose
    uploads), for the line saying what was graded.
    """
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {VISIBILITIES}, not "
                         f"{hidden_visibility!r}")
    started = time.monotonic()
    isolation = isolation or detect_isolation(probe=False)  # its worker is the probe
    if refusal:
        return _unloadable(refusal, isolation, include_hidden, hidden_visibility,
                           started=started)
    scratch = tempfile.mkdtemp(prefix="kmeans-grade-")
    try:
        try:
            handed_in = stage_submission(path, Path(scratch) / "submission")
            handed_in.others = [*handed_in.others, *uploaded_too]
        except SubmissionError as error:
            return _unloadable(str(error), isolation, include_hidden, hidden_visibility,
                               started=started)
        staged = handed_in.path
        # What the submission may import is what the assignment says, whatever else the
        # grader's own installation holds (scikit-learn, say): the grade is the same anywhere.
        importable = tuple(feedback_template().AVAILABLE)
        module = sandbox.Module(staged.read_bytes(), name="kmeans", importable=importable)
        if staged.suffix == ".ipynb":  # its module part is taken inside the sandbox
            module = sandbox.Module(module.source, staged.name,
                                    paths.require(paths.STUB).read_bytes(), FUNCTIONS, "kmeans",
                                    importable)
    finally:
        sandbox.remove_tree(scratch)
    with sandbox.Sandbox(module, isolation, limits, hidden_paths(),
                         prefix="kmeans-worker-") as box:
        loading = load(box)
        if loading.problem is not None:
            return _unloadable(loading.problem, box.isolation, include_hidden,
                               hidden_visibility, loading.printed, started, handed_in.note())
        student = StudentModule(box, loading.functions)
        collector = run_suites(student, include_hidden, hidden_visibility=hidden_visibility)
    if collector.faults:
        raise GraderFault("\n\n".join(collector.faults))
    if artifacts is not None:
        save_artifacts(collector.artifacts, artifacts)
        if loading.text:  # a notebook's module part, for comparing submissions
            save_text(loading.text, Path(artifacts) / "source.py")
    tests = explain_undefined(collector.results(), loading.notes)
    results = _results(tests, box.isolation, box, loading.functions, started=started,
                       handed_in=handed_in.note())
    results.output += printed_excerpt(student.printed)
    return results


def explain_undefined(tests: list[CheckResult], notes) -> list[CheckResult]:
    """To each failed check whose function used a name a notebook's dropped (or skipped)
    statement would have defined, add why that name is undefined: a note on a statement that
    changed no score is never shown."""
    for test in tests:
        if test.score >= test.max_score:
            continue
        undefined = feedback_template().undefined_names(test.output)
        said = [sentence for names, sentence in notes if undefined.intersection(names)]
        if said:
            test.output += "\n" + "\n".join(dict.fromkeys(said))
    return tests


def _results(tests: list[CheckResult], isolation: Isolation, box: sandbox.Sandbox | None = None,
             functions=None, status: Status = Status.GRADED,
             started: float | None = None, handed_in: str = "") -> Results:
    """Results of ``tests``; their output: the student's result in a line, what was graded
    (``handed_in``, one line), what else happened, and how the code was isolated."""
    missing = sorted(f for f in FUNCTIONS if functions is not None and f not in functions)
    lines = [isolation_note(isolation)] + ([handed_in] if handed_in else [])
    if missing:
        lines.append(f"kmeans.py does not define: {', '.join(missing)}.")
    if box and box.timed_out:
        status = Status.TIMED_OUT
        lines.append("Some functions did not finish in time: " + ", ".join(sorted(box.timed_out)))
    if box and box.out_of_time:
        status = Status.TIMED_OUT
        lines.append(f"The submission used up its {box.limits.total_seconds:g} s of grading "
                     f"time: the checks after that were not run and score 0.")
    results = Results(tests, status, "", isolation.name,
                      None if started is None else time.monotonic() - started, read_submitter(),
                      {"layers": list(isolation.layers),
                       "missing_layers": list(isolation.missing)})
    results.output = "\n".join([result_summary(results), *lines[1:], lines[0]])
    return results


def result_summary(results: Results) -> str:
    """The student's result in one line (worded by checks.py): the score, each function's, and
    the checks to fix; the first line of the results' output."""
    functions = {name: (s["score"], s["max_score"])
                 for name, s in results.per_function().items() if s["max_score"]}
    failed = [t.name for t in results.tests if t.score < t.max_score]
    return feedback_template().result_summary(results.score, results.max_score, functions,
                                              failed)


def _unloadable(message: str, isolation: Isolation, include_hidden: bool = True,
                hidden_visibility: str = "visible", output: str = "",
                started: float | None = None, handed_in: str = "") -> Results:
    """Results for a submission that could not be loaded: every check it would have had, as
    collected (nothing runs), scores 0, explained."""
    tests = collect_checks(include_hidden, hidden_visibility)
    for test in tests:
        test.score = 0.0
        test.output = f"Not graded: {message}"
    results = _results(tests, isolation, status=Status.UNREADABLE, started=started)
    results.output = f"{message}\n{handed_in + chr(10) if handed_in else ''}" + (
        f"{isolation_note(isolation)}") + (
        f"\nWhat kmeans.py printed while loading:\n{output}" if output else "")
    return results


@dataclass
class Graded:
    """What :func:`grade_and_write` did, for its caller to print (it prints nothing itself).

    ``results`` is what was written to ``out`` (None when nothing was); ``status`` the exit
    status (0 written, 2 the grader failed or ``out`` cannot be written, 130 interrupted);
    ``stdout`` the lines for standard output; ``stderr`` those for standard error: a fault's
    details, then one line saying what was written or not.
    """

    results: Results | None
    status: int
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def grade_and_write(path, out, *, include_hidden: bool = True,
                    hidden_visibility: str = "visible", artifacts=None,
                    results_on_fault: bool = False, refusal: str = "",
                    uploaded_too: tuple = ()) -> Graded:
    """Grade the submission at ``path`` and write its results.json to ``out``.

    A fault of the grader writes nothing, unless ``results_on_fault``: then ``out`` gets
    results that score 0 and say the grader failed (for Gradescope), and the status still says
    the grader failed. A setting to fix (SetupFault) is one line; any other fault of the grader
    comes with its traceback. Interrupted (KeyboardInterrupt while grading), nothing is written.
    """
    graded = provenance(path)  # what is graded, hashed before it is read to be graded
    try:
        results = grade(path, include_hidden, artifacts=artifacts,
                        hidden_visibility=hidden_visibility, refusal=refusal,
                        uploaded_too=uploaded_too)
    except KeyboardInterrupt:
        return Graded(None, 130, stderr=["error: interrupted: no results were written"])
    except GraderFault as fault:
        return _grader_failed(fault, out, results_on_fault)
    except Exception as error:  # a bug of the grader's: its traceback, and results if asked
        return _grader_failed(error, out, results_on_fault)
    try:
        results.extra.update(graded)
        results.write(out)
    except OSError as error:
        return Graded(None, 2, stderr=[f"error: cannot write {out}: {error.strerror}"])
    return Graded(results, 0, [summary_table(results), results["output"], f"wrote {out}"])


def _grader_failed(fault: Exception, out, results_on_fault: bool) -> Graded:
    details = f"error: {fault}" if isinstance(fault, SetupFault) else fault_details(fault)
    failed = "error: the grader itself failed (details above)"
    if not results_on_fault:
        return Graded(None, 2, stderr=[details, f"{failed}; no results were written"])
    results = grader_error()  # records no submission_sha256: a batch never takes it as done
    try:
        results.write(out)
    except OSError as error:
        return Graded(None, 2, stderr=[details, f"{failed}, and {out} could not be written: "
                                                f"{error.strerror}"])
    return Graded(results, 2, stderr=[details, f"{failed}; {out} says so and scores 0"])
