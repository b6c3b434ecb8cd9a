"""How the tests check your functions, and the messages they give.

Every check follows the same order, and stops at the first thing that is wrong:
the function exists -> it returns something (not None) -> exactly a ``numpy.ndarray`` -> the
right shape -> the right dtype -> the right values. Each message says what was checked, what was
expected and what came back. Whatever a function returns (NaN, infinities, huge numbers, any
dtype, any shape, something that is not an array), a check passes or fails with a message: the
dtype's kind is checked against an allow-list before any arithmetic on the values.

A check of a property (inputs unchanged, a new array, the seed, the ValueError for a bad K)
also checks that the same call's result is right: a function that returns nothing useful earns
none of its points.
"""

import ast
import contextlib
import re
import sys

import numpy as np
import pytest

# -- What the grader gives a submission ----------------------------------------------------------
# The same rules hold in `python -m pytest` here and in the grader: each call gets fresh copies of
# its inputs, and runs under these limits (seconds of CPU time, and WALL_FACTOR times that of
# wall-clock time for code that sleeps or waits); a function that ran out of time is not called
# again; all calls of a submission together get TOTAL_SECONDS of CPU time.
CALL_SECONDS = 10.0
TIME_LIMITS = {"compress_image": 30.0}  # a longer limit for the capstone, which runs K-means
WALL_FACTOR = 3.0
TOTAL_SECONDS = 240.0
LOAD_SECONDS = 20.0  # loading kmeans.py
# The packages the grader has, by the name they are imported as, besides the standard library.
AVAILABLE = {"numpy": "numpy", "matplotlib": "matplotlib", "PIL": "pillow"}
AVAILABLE_TEXT = ("Only numpy, matplotlib, pillow (imported as PIL) and the standard library are "
                  "available to submissions, and only kmeans.py is graded: put any helper code "
                  "in kmeans.py itself.")


def time_limit(name: str) -> float:
    """The CPU seconds one call of the function ``name`` may use."""
    return TIME_LIMITS.get(name, CALL_SECONDS)


def available(module: str) -> bool:
    """Whether ``import module`` works in the grader (a package it has, or the standard
    library); ``module`` may be dotted (``scipy.spatial``)."""
    top = module.split(".")[0]
    return top in AVAILABLE or top in sys.stdlib_module_names


def unavailable_imports(source) -> list[tuple[int, str]]:
    """(line, package) for each import, run whenever the file loads (a statement of the module
    itself, outside any function, class, ``if`` or ``try``), of a package the grader does not
    have. A SyntaxError propagates."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, name.split(".")[0]) for name in names if not available(name)]
    return found


class CheckFailed(pytest.fail.Exception):
    """A check's failure: ``message`` for a public check; ``kind`` (a key of HIDDEN_KINDS) and
    ``fact`` are all a hidden check's output is worded from (see :func:`hidden_message`)."""

    def __init__(self, message: str, kind=None, fact=None, needs_right_result: bool = False):
        super().__init__(msg=message, pytrace=False)
        self.kind, self.fact, self.needs_right_result = kind, fact, needs_right_result


def fail(message: str, kind=None, fact=None):
    """Fail the current test with ``message`` alone (no traceback); ``kind`` and ``fact`` say
    how, for a hidden check's output."""
    raise CheckFailed(message, kind, fact)


def short(value, limit: int = 8) -> str:
    """A short printable form of a value: arrays show at most ``limit`` entries per axis."""
    try:
        if isinstance(value, np.ndarray):
            text = np.array2string(value, threshold=limit, edgeitems=min(3, limit // 2),
                                   precision=4, suppress_small=True, separator=", ")
            text = " ".join(text.split())
        else:
            text = repr(value)
    except Exception:  # a value that cannot print itself is described by its type
        text = f"a {type(value).__qualname__} that cannot be printed"
    return text if len(text) <= 200 else text[:197] + "..."


@contextlib.contextmanager
def only_with_a_right_result(what: str):
    """Around the correctness part of a property check: its failure says the property's points
    need a right result too, e.g. ``with only_with_a_right_result("X unchanged"): ...``."""
    try:
        yield
        return
    except pytest.fail.Exception as failure:
        message = str(getattr(failure, "msg", failure))
        kind, fact = getattr(failure, "kind", None), getattr(failure, "fact", None)
    # `from None`: the with statement is still handling the first failure, which would
    # otherwise be printed again, chained, before this one.
    raise CheckFailed(f"{message}\n(This check, {what}, gives its points only when the same "
                      f"call also returns the right result.)", kind, fact, True) from None


def call(module, name: str, *args, **kwargs):
    """Call ``module.name(*args, **kwargs)``, turning every way it can go wrong into a message."""
    return call_with_hint(module, name, "", *args, **kwargs)


HINTED_ERRORS = (TypeError, AttributeError, ValueError)  # what a wrong kind of argument raises


def call_with_hint(module, name: str, hint: str, *args, **kwargs):
    """As :func:`call`; when the function raises TypeError, AttributeError or ValueError,
    ``hint`` (the likely mistake) follows the message."""
    function = getattr(module, name, None)
    if function is None:
        fail(f"{name}: kmeans.py does not define a function called {name}.", "missing")
    try:
        return function(*args, **kwargs)
    except Exception as error:  # the student's bug, reported rather than raised
        message = describe_error(name, error)
        if hint and isinstance(error, HINTED_ERRORS):
            message = f"{message}. {hint}"
        kind, fact = error_kind(error)
    fail(message, kind, fact)  # outside `except`, so no chained traceback is printed


def error_kind(error: Exception) -> tuple:
    """(kind, fact) of a call that raised ``error``, for a hidden check's output: the grader's
    sandbox says it (``error.kind``, ``error.fact``); a local exception is one that was raised."""
    if isinstance(error, NotImplementedError):
        return "not implemented", None
    return getattr(error, "kind", "raised"), getattr(error, "fact", type(error).__name__)


def describe_error(name: str, error: Exception) -> str:
    """The message for a function that raised ``error`` instead of returning."""
    if isinstance(error, NotImplementedError):
        return (f"{name} is not implemented yet: write your code in kmeans.py where it says "
                f"`raise NotImplementedError`.")
    described = getattr(error, "student_message", None)
    if not isinstance(described, str) or not described:
        try:
            detail = str(error)
        except Exception:  # an exception that cannot print itself is still reported
            detail = "(its message could not be printed)"
        described = f"raised {type(error).__name__}: {detail}"
    return f"{name} {described}"


# The dtypes a result may have, by numpy's one-letter kind: "integer" is signed or unsigned
# integers (never bool, timedelta64 or datetime64, which numpy also files near integers),
# "float" is floating point, "uint8" exactly uint8.
DTYPE_KINDS = {"integer": "iu", "float": "f", "uint8": "u"}
KIND_NAMES = {"b": "booleans", "i": "integers", "u": "unsigned integers", "f": "floats",
              "c": "complex numbers", "m": "time differences",
              "M": "dates", "O": "Python objects", "S": "bytes", "U": "strings",
              "V": "raw records"}


def expect_array(name: str, got, shape: tuple, dtype: str, what: str = "the result"):
    """Check type, shape and dtype, in that order. ``dtype`` is "integer", "float" or "uint8"."""
    if got is None:
        fail(f"{name} returned None: {what} should be returned with `return`.", "none")
    if type(got) is not np.ndarray:
        # In the grader, a value that cannot cross from the sandbox as data (an object, an array
        # of another dtype) arrives as a stand-in that says what it was.
        described = getattr(got, "stand_in_for", None) or (
            f"a {type(got).__module__}.{type(got).__qualname__}")
        advice = ("np.matrix behaves differently from arrays; use np.asarray(...)"
                  if isinstance(got, np.matrix) else f"expected an array of {dtype} dtype"
                  if described.startswith("a numpy array of dtype") else
                  "convert it with np.asarray(...)")
        fail(f"{name} should return {what} as a numpy.ndarray, but it returned "
             f"{described}: {advice}.", "type")
    if got.shape != tuple(shape):
        fail(f"{name} should return {what} with shape {tuple(shape)}, "
             f"but it has shape {got.shape}.", "shape")
    kind = got.dtype.kind
    if kind not in DTYPE_KINDS[dtype] or (dtype == "uint8" and got.dtype != np.uint8):
        holds = KIND_NAMES.get(kind, "values numpy calls kind " + repr(kind))
        fail(f"{name} should return {what} with {'a' if dtype != 'integer' else 'an'} "
             f"{dtype} dtype, but its dtype is {got.dtype} ({holds}).", "dtype")
    return got


def expect_equal(name: str, got: np.ndarray, expected: np.ndarray, what: str):
    """Check that two arrays are exactly equal; report the first difference."""
    if np.array_equal(got, expected):
        return
    wrong = np.argwhere(got != expected)
    first = tuple(int(i) for i in wrong[0])
    where = first[0] if len(first) == 1 else first
    fail(f"{name}: {what}: {len(wrong)} of {got.size} entries differ. "
         f"Expected {short(expected)}, got {short(got)} "
         f"(first difference at [{where}]: expected {expected[first]}, got {got[first]}).",
         "values")


def expect_close(name: str, got: np.ndarray, expected: np.ndarray, what: str,
                 atol: float = 1e-6, rtol: float = 1e-6):
    """Check that two float arrays agree within a tolerance, NaN where expected is NaN."""
    got_nan, expected_nan = np.isnan(got), np.isnan(expected)
    if not np.array_equal(got_nan, expected_nan):
        where = tuple(int(i) for i in np.argwhere(got_nan != expected_nan)[0])
        fail(f"{name}: {what}: expected {short(expected)}, got {short(got)} (at {list(where)} "
             f"expected {expected[where]}, got {got[where]}; NaN is expected exactly where a "
             f"cluster has no points).", "values")
    close = np.isclose(got, expected, atol=atol, rtol=rtol) | expected_nan
    if not close.all():
        where = tuple(int(i) for i in np.argwhere(~close)[0])
        fail(f"{name}: {what}: expected {short(expected)}, got {short(got)} (first difference at "
             f"{list(where)}: expected {expected[where]:.6g}, got {got[where]:.6g}).", "values")


def rows_of(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """The row of X each centroid equals exactly, or -1 (X's rows are all different).

    ``centroids`` must already have passed expect_array (a float (K, n) array): comparing is the
    only arithmetic, and NaN or infinite entries simply match no row.
    """
    matches = (centroids[:, None, :] == X[None, :, :]).all(axis=2)
    return np.where(matches.any(axis=1), matches.argmax(axis=1), -1)


def expect_distinct_rows(name: str, X: np.ndarray, centroids: np.ndarray, what: str):
    """Check that every centroid is a row of X and that no row is chosen twice."""
    rows = rows_of(X, centroids)
    K = len(centroids)
    if (rows < 0).any():
        bad = int(np.flatnonzero(rows < 0)[0])
        fail(f"{name}: {what}: every initial centroid must be a row of X, but centroid {bad} "
             f"of the {K}, {short(centroids[bad])}, is not one.", "not a row")
    if len(set(rows.tolist())) < K:
        twice = next(int(row) for row in rows if (rows == row).sum() > 1)
        fail(f"{name}: {what}: the {K} centroids must be {K} different rows of X, but only "
             f"{len(set(rows.tolist()))} are different (row {twice} of X was chosen more than "
             f"once): draw the indices without replacement, with rng.choice(m, K, "
             f"replace=False) or rng.permutation(m)[:K].", "repeated rows")
    return rows


def expect_closer_than_mean_colour(name: str, original: np.ndarray, out: np.ndarray, K: int,
                                   what: str):
    """Check that ``out`` (already an (H, W, 3) uint8 array) is closer to ``original`` than
    painting every pixel the mean colour: a valid-looking output that is no compression of the
    image (a constant, noise) earns nothing."""
    scaled = original / 255.0
    got = float(np.mean((out / 255.0 - scaled) ** 2))
    one_colour = float(np.mean((scaled - scaled.reshape(-1, 3).mean(axis=0)) ** 2))
    if not got < one_colour:
        fail(f"{name}: with K = {K} the distortion of {what} (mean squared error on the [0, 1] "
             f"scale) should be below {one_colour:.5f}, what painting every pixel the mean colour "
             f"gives; yours is {got:.5f}, no better than that. An output of the right shape and "
             f"colours counts only when it is closer. Check the scaling to [0, 1] and back (the "
             f"initial centroids' too), that every iteration runs, and the reshapes.",
             "distortion")


def expect_unchanged(module, name: str, argument: str, position: int, before: np.ndarray,
                     after: np.ndarray):
    """Check that the last call did not modify its input ``argument`` (at ``position``).

    Locally the array itself shows it; in the grader's sandbox the function works on a copy,
    and the sandbox reports which arguments it changed (``module.last_reply.modified``).
    """
    reply = getattr(module, "last_reply", None)
    changed = not np.array_equal(before, after, equal_nan=True) or (
        reply is not None and position in reply.modified)
    if changed:
        fail(f"{name} changed its argument {argument}: the caller's arrays must not be "
             f"modified (work on a copy, e.g. {argument}.copy(), or build a new array).",
             "modified")


def expect_raises(module, name: str, error: type, args: tuple, called: str, why: str):
    """Check that ``module.name(*args)`` raises ``error``; ``called`` shows the call to students."""
    function = getattr(module, name, None)
    if function is None:
        fail(f"{name}: kmeans.py does not define a function called {name}.", "missing")
    kind = "not raised"
    try:
        function(*args)
    except error:
        return
    except Exception as raised:
        message = (describe_error(name, raised) if isinstance(raised, NotImplementedError) else
                   f"{called} should raise {error.__name__} ({why}), but it "
                   f"{describe_error(name, raised)[len(name) + 1:]}")
        if isinstance(raised, NotImplementedError):
            kind = "not implemented"
    else:
        message = f"{called} should raise {error.__name__} ({why}), but it returned normally."
    fail(message, kind)


# -- How the grader isolated your code -----------------------------------------------------------
# One note in every result: the isolation mode your code ran under, and what it could not do.

def isolation_note(mode: str, own_uid: bool, forced: bool, has_landlock: bool, missing=(),
                   strongest: bool = False) -> str:
    """The note on how student code was isolated (``missing``: the layers and modes this
    machine lacked, each with why; the mode's own strength is said unless it is the strongest)."""
    who = "under a uid of its own" if own_uid else "under the grader's uid"
    if mode == "bubblewrap":
        text = (f"Student code ran under bubblewrap {who}: no network, no view of the grader's "
                f"files, no new processes, and limits per submission.")
    elif mode == "landlock":
        text = (f"Student code ran with Landlock and seccomp {who} (bubblewrap could not run "
                f"here): it could read only the Python installation and its own files, write "
                f"only its scratch folder, reach no network and start no process.")
    elif mode == "process":
        why = ("KMEANS_SANDBOX=process was asked for" if forced else
               "this kernel has no Landlock and bubblewrap could not run" if not has_landlock
               else "neither bubblewrap nor Landlock could run here")
        text = (f"WARNING: student code ran in a separate process {who} with seccomp and "
                f"resource limits only ({why}), so it could read this machine's files. Do not "
                f"grade untrusted submissions like this.")
    else:
        text = f"Student code ran in the grader's {mode} sandbox {who}."
    lost = [m for m in missing if not m.startswith("cgroup")]
    return text + (f" Missing here: {'; '.join(lost)}." if lost and not strongest else "")


# -- What happened to a call in the grader's sandbox ---------------------------------------------
# The grader runs your functions in a separate, locked-down process; these sentences say what
# happened there when a call did not simply return. ``doing`` ends the sentence (" while loading").

def helpers_note(function: str, helpers, failing) -> str:
    """What a check graded with the grader's helpers standing in for the student's says first:
    ``helpers`` the ones ``function`` called, ``failing`` those of them that fail their own
    checks (a mistake in a helper is reported at the helper, and costs its points there)."""
    def names(items):
        items = list(items)
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

    graded = (f"{function} is graded here with the grader's {names(helpers)} standing in for "
              f"yours, which did better than your own.")
    if failing:
        which = "which fails its checks" if len(failing) == 1 else "which fail their checks"
        return f"{function} uses your {names(failing)}, {which}: fix that first. ({graded})"
    return (f"{graded} Your {names(helpers)} pass their own checks, but not on what {function} "
            f"gives them: look at what they return on the image's pixels.")


CAPSTONE = "compress_image"  # the function that calls the others
HELPERS = ("find_closest_centroids", "compute_centroid_means", "kmeans_init_centroids")
NOT_RUN = ("timed out before", "out of time")  # kinds of failure that are no mistake of the code's


def failing_helpers_note(failing) -> str:
    """What a failed check of compress_image says first when functions it usually calls fail
    their own checks (``failing``, in order): the mistake is reported at the helper."""
    failing = [name for name in HELPERS if name in failing]
    if not failing:
        return ""
    names = failing[0] if len(failing) == 1 else ", ".join(failing[:-1]) + " and " + failing[-1]
    which = "which fails its own checks" if len(failing) == 1 else "which fail their own checks"
    return (f"Your {names}, {which}, may be why: if compress_image calls it, fix that first "
            f"(the hidden capstone checks also grade compress_image with correct helpers).")


def sandbox_message(what: str, doing: str = "", **facts) -> str:
    """The sentence for a call that raised, died, timed out, replied badly or was not run."""
    if what == "timed out":
        seconds = facts["seconds"]
        wall = facts.get("wall_seconds") or seconds * WALL_FACTOR
        limit = f"a call may use {seconds:g} s of CPU time and {wall:g} s of wall-clock time"
        if facts["clock"] == "CPU":
            return (f"did not finish within {seconds:g} s of CPU time{doing} (an endless loop, "
                    f"or far too slow?); {limit}")
        return (f"did not finish within {wall:g} s of wall-clock time{doing} (does it sleep, "
                f"wait, or ask for input?); {limit}")
    if what == "timed out before":
        return ("was not run again: it timed out in an earlier check, so it was stopped and is "
                "not called for later checks")
    if what == "out of time":
        return (f"was not run: the functions of kmeans.py used up the {facts['budget']:g} s a "
                f"submission gets ({facts['used']:.0f} s of CPU time, {facts['wall']:.0f} s in "
                f"all), so the remaining checks were skipped (is something far too slow?)")
    if what == "malformed":
        return f"sent back something the grader could not accept{doing}: {facts['problem']}"
    if what == "died":
        return f"stopped the process it ran in{doing} ({_death(**facts)})"
    raise ValueError(what)


def _death(signal=None, status=None, why="", **_) -> str:
    if why:
        return why
    if signal:
        reason = {"SIGSEGV": "a crash in native code", "SIGABRT": "a crash in native code",
                  "SIGKILL": "killed: out of memory, or over a limit?",
                  "SIGXCPU": "its CPU time limit", "SIGXFSZ": "it wrote too large a file"}
        return f"it died from {signal}: {reason.get(signal, 'a signal')}"
    return f"it exited with status {status}: does kmeans.py call os._exit()?"


def raised_message(kind: str, message: str, line=None, errno=None, file_mib: int = 16,
                   cell=None) -> str:
    """The sentence for a function that raised ``kind`` with ``message`` (at ``line`` of
    kmeans.py, or at ``cell``, "NAME, In [N], line M" of a notebook, or "NAME, the N-th code
    cell, line M" for a cell never run)."""
    where = f" (kmeans.py line {line})" if line else f" ({cell})" if cell else ""
    if kind == "SystemExit":
        return f"called sys.exit() or exit(){where}: return a value instead"
    if kind == "ModuleNotFoundError":
        return f"raised {kind}: {message}{where}. {AVAILABLE_TEXT[:-1]}"
    if errno == 27:  # EFBIG
        where += f": a submission may write files of at most {file_mib} MiB"
    elif errno == 1:  # EPERM, from the sandbox's system call filter
        where += (": the grader runs your code without network access, new processes or "
                  "threads, or other system calls K-means does not need")
    return f"raised {kind}: {message}{where}"


def result_summary(score: float, total: float, functions: dict, failed: list) -> str:
    """The first line of a graded result: the score, each function's ({name: (score, max)}),
    and the checks to fix (their names, the first three), or that every check passed."""
    parts = ", ".join(f"{name} {got:g}/{of:g}" for name, (got, of) in functions.items())
    if not failed:
        return f"{score:g} / {total:g}: {parts}. Every check passed."
    named = "; ".join(failed[:3]) + (f"; and {len(failed) - 3} more" if len(failed) > 3 else "")
    count = "1 check" if len(failed) == 1 else f"{len(failed)} checks"
    return f"{score:g} / {total:g}: {parts}. {count} to fix: {named}."


def notebook_problem(notebook: str, what: str, cell=None, line=None, message="", function="",
                     error="", detail="", expected=(), **_) -> str:
    """Why a notebook could not be read as a module (the sandbox's key ``what`` and facts)."""
    where = f"{notebook}, {cell}"
    if what == "not utf-8":
        return f"{notebook} is not UTF-8 text, so it is not a notebook."
    if what == "too nested":
        return f"{notebook} is nested too deeply to be a notebook."
    if what == "invalid":
        return f"{notebook} is not a valid notebook ({error}{': ' + detail if detail else ''})."
    if what == "syntax":
        return (f"{where}, line {line}: a syntax error ({message}) in the cell that defines "
                f"{function}.")
    if what == "too large":
        return f"{where} is too deeply nested or too large to read."
    if what == "none defined":
        return (f"{notebook} defines none of the graded functions ({', '.join(expected)}) in "
                f"its code cells: write them there, or submit a .py file.")
    return f"{notebook} could not be read as a module ({what}{': ' + detail if detail else ''})."


def notebook_note(notebook: str, what: str = "", cell=None, line=None, raised=None, names=(),
                  **_) -> str:
    """Why a name a graded function uses is undefined in a notebook: the statement of ``cell``
    (as Jupyter shows it: "In [3]", or "the 2nd code cell") that would have defined ``names``
    did not run in the grader, which runs only the imports, definitions and assignments."""
    defined = ", ".join(names) or "it"
    where = f"{notebook}, {cell}, line {line}"
    if what == "skipped":
        return (f"{where} has a syntax error, so the grader could not run that cell and "
                f"{defined} stayed undefined: fix the cell.")
    why = f"raised {raised}" if raised else "took more than a second"
    return (f"{where} would define {defined}, but it {why} when the grader ran your notebook "
            f"(without your data files or earlier results), so the grader dropped it: compute "
            f"{defined} inside the function that needs it, or from values that need no files.")


def undefined_names(output: str) -> set:
    """The names a check's output says were not defined (its NameError's)."""
    return set(re.findall(r"NameError: name '(\w+)' is not defined", output))


def load_message(kind: str, message: str, line=None, cell=None, notebook=None) -> str:
    """The sentence for a kmeans.py (or a notebook) that could not be loaded."""
    if notebook:
        where = f"{cell}: " if cell else ""
        if kind == "NotebookError":
            return f"{notebook} could not be graded: {message}"
        return f"{notebook} could not be loaded ({where}{kind}: {message})."
    where = f"line {line}: " if line else ""
    if kind == "ModuleNotFoundError":
        return f"kmeans.py could not be loaded ({where}{kind}: {message}). {AVAILABLE_TEXT}"
    if kind == "SystemExit":
        return f"kmeans.py called sys.exit() or exit() while loading ({where.rstrip(': ')})."
    return f"kmeans.py could not be loaded ({where}{kind}: {message})."


# -- What a hidden check says ----------------------------------------------------------------------
# A hidden check runs your code on inputs you do not see, so its message must not carry anything
# your code chose: no exception message, no printed text, no returned value or shape, no line
# number. Whatever the check found, its output is worded here alone, from the function's name,
# the kind of failure (one of HIDDEN_KINDS) and, for some kinds, one fact from a fixed list. The
# public tests, which you can run yourself, say the rest.

HIDDEN_KINDS = {
    "missing": "kmeans.py does not define it",
    "not implemented": "it is not implemented yet (it raises NotImplementedError)",
    "raised": "it raised {fact} instead of returning",
    "exit": "it called sys.exit() or exit(): return a value instead",
    "timed out": "it did not finish within the {fact} time a call may use (an endless loop, "
                 "or far too slow?)",
    "timed out before": "it was not run again: it timed out in an earlier check",
    "out of time": "it was not run: the functions of kmeans.py had used up the time a "
                   "submission gets",
    "died": "it stopped the process it ran in{fact}",
    "malformed": "it sent back something the grader could not accept",
    "none": "it returned None (return the result with `return`)",
    "type": "it returned something that is not a numpy.ndarray",
    "shape": "it returned an array of the wrong shape",
    "dtype": "it returned an array of the wrong dtype",
    "values": "it returned wrong values",
    "modified": "it changed one of its array arguments: the caller's arrays must not be "
                "modified (work on a copy, or build a new array)",
    "view": "it returned a view of its input (a slice, say), not a new array: index with an "
            "array of row numbers, or .copy()",
    "not raised": "it did not raise the error this check asks for",
    "index range": "it returned indices outside [0, K) (one-based indices, or an index into "
                   "the wrong axis?)",
    "not nearest": "some examples got a centroid that is not the nearest",
    "ties": "exact ties did not go to the lowest index (as np.argmin; a `<=` comparison picks "
            "the last)",
    "not a row": "an initial centroid is not a row of X",
    "repeated rows": "a row of X was chosen more than once: draw the indices without "
                     "replacement, with rng.choice(m, K, replace=False) or rng.permutation(m)[:K]",
    "seed": "the result does not follow the seed (the same seed must give the same result, "
            "different seeds different ones)",
    "not uniform": "the rows are not drawn uniformly at random",
    "colours": "the compressed image has more than K colours",
    "needs valid outputs": "this check gives its points only when every output is valid (see "
                           "the check of valid outputs)",
    "distortion": "the compressed image is no closer to the original than painting every pixel "
                  "the mean colour, or further from it than the reference's",
}
# The facts a kind may carry, each from a list fixed here: what the code named is shown only
# when it is one of these.
HIDDEN_FACTS = {
    "raised": ("ValueError", "TypeError", "IndexError", "KeyError", "ZeroDivisionError",
               "AttributeError", "NameError", "UnboundLocalError", "RuntimeError",
               "RecursionError", "AssertionError", "FloatingPointError", "OverflowError",
               "MemoryError", "ArithmeticError", "LookupError", "ImportError",
               "ModuleNotFoundError", "OSError", "PermissionError", "FileNotFoundError"),
    "timed out": ("CPU", "wall-clock"),
    "died": ("SIGSEGV", "SIGABRT", "SIGKILL", "SIGXCPU", "SIGXFSZ"),
}
HIDDEN_NOTE = ("A hidden check says only how it failed, never what your code returned, printed "
               "or raised; run the public tests (python -m pytest) for details.")


def hidden_message(function: str, kind=None, fact=None, needs_right_result: bool = False) -> str:
    """The output of a hidden check that ``function`` failed: the kind of failure (a key of
    HIDDEN_KINDS; anything else is a result this check does not expect) and a fact, shown only
    when it is one of HIDDEN_FACTS[kind]."""
    if kind not in HIDDEN_KINDS:
        kind, text = None, "its result is not what this check expects"
    else:
        text = HIDDEN_KINDS[kind]
    if "{fact}" in text:
        shown = fact if isinstance(fact, str) and fact in HIDDEN_FACTS[kind] else None
        if kind == "died":
            shown = f" (it died from {shown})" if shown else ""
        else:
            shown = shown or {"raised": "an exception", "timed out": "CPU"}[kind]
        text = text.replace("{fact}", shown)
    right = (" (This check gives its points only when the same call also returns the right "
             "result.)" if needs_right_result else "")
    return f"{function} failed this hidden check: {text}.{right}\n{HIDDEN_NOTE}"
