"""Every check gives a verdict for any value a function returns: it passes, or it fails with a
message for the student (pytest.fail). It never raises anything else, whatever comes back: NaN,
infinities, huge and tiny numbers, negative zero, every allowed dtype and others (timedelta64,
datetime64, complex, objects, strings, records), empty and 0-d arrays, the wrong number of
dimensions, np.matrix and subclasses, things that are not arrays at all, or an exception.

The checks, public and hidden, are driven here in this process with a fake student whose
functions return what hypothesis draws (no sandbox is needed: the sandbox only carries values).
"""

import importlib.util
import inspect
import sys
import warnings
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from autograder import paths, reference, spec

sys.path.insert(0, str(paths.ASSIGNMENT))  # the checks import the shared template, checks.py

import checks  # noqa: E402  (after the path above)


def _load(path, name):
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    with warnings.catch_warnings():  # their markers are registered by their own conftests
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        module_spec.loader.exec_module(module)
    return module


MODULES = [_load(paths.ASSIGNMENT / "test_kmeans.py", "kmeans_public_checks")] + [
    _load(path, f"kmeans_hidden_{path.stem}")
    for path in sorted((paths.ROOT / "autograder" / "suites").glob("test_*.py"))]
capstone_suite = next(m for m in MODULES if m.__name__ == "kmeans_hidden_test_compress_image")


def catalogue() -> dict:
    """{id: (function graded, check, parameters)} for every public and hidden check."""
    found = {}
    for module in MODULES:
        module_marks = getattr(module, "pytestmark", None)
        module_marks = [module_marks] if module_marks and not isinstance(module_marks, list) \
            else (module_marks or [])
        for name, check in vars(module).items():
            if not (name.startswith("test_") and inspect.isfunction(check)):
                continue
            marks = getattr(check, "pytestmark", []) + module_marks
            function = next(m.args[0] for m in marks if m.name == "function")
            parameter_sets = [{}]
            for mark in marks:
                if mark.name == "parametrize":
                    names = [n.strip() for n in mark.args[0].split(",")]
                    parameter_sets = [dict(zip(names, v if len(names) > 1 else (v,)))
                                      for v in mark.args[1]]
            for number, parameters in enumerate(parameter_sets):
                found[f"{module.__name__.split('_', 1)[-1]}::{name}[{number}]"] = (
                    function, check, parameters)
    return found


CHECKS = catalogue()
REF = reference.load()

ALLOWED = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float16", "float32", "float64"]
OTHERS = ["timedelta64[ns]", "datetime64[s]", "complex128", "object", "<U8", "S8", "record"]
EXCEPTIONS = [ValueError, TypeError, IndexError, ZeroDivisionError, NotImplementedError,
              RecursionError, KeyError, MemoryError]


@dataclass(frozen=True)
class Plan:
    """What the fake student's functions do."""

    kind: str = "array"  # array, none, python, matrix, subclass, masked, raise
    dtype: str = "keep"  # keep: the right answer's own dtype
    shape: str = "right"  # right, scalar, empty, extra, fewer, transposed, drawn
    drawn_shape: tuple = ()
    fill: str = "right"  # right, random, special
    special_share: float = 0.5
    scale: float = 1.0
    seed: int = 0
    varies: bool = False  # a different value at every call (the seed checks)
    python: object = None  # what a "python" plan returns
    error: type = ValueError
    bad_k_raises: bool = True
    modified: frozenset = frozenset()  # what the sandbox would report as modified
    views: bool = False


def specials(dtype: np.dtype, K: int) -> list:
    if dtype.kind == "f":
        info = np.finfo(dtype)
        return [np.nan, np.inf, -np.inf, -0.0, float(info.max), -float(info.max),
                float(info.tiny), float(info.smallest_subnormal), 1e300, -1e-300]
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return [info.min, info.max, 0, K, K - 1] + ([-1] if dtype.kind == "i" else [])
    return [True, False]


def right_answer(name: str, args: tuple):
    """A right result for the call (so checks get past the type and shape to the values)."""
    if name == "find_closest_centroids":
        return REF.find_closest_centroids(*args)
    if name == "compute_centroid_means":
        return REF.compute_centroid_means(*args)
    if name == "kmeans_init_centroids":
        X, K = args[0], args[1]
        try:
            return REF.kmeans_init_centroids(X, K, args[2] if len(args) > 2 else None)
        except ValueError:
            return np.zeros((max(int(K), 0), X.shape[1]))
    image, K = args[0], args[1]  # compress_image: each pixel painted its nearest of K pixels
    pixels = image.reshape(-1, 3).astype(float)
    palette = pixels[np.linspace(0, len(pixels) - 1, K).astype(int)]
    nearest = ((pixels[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    return palette[nearest].reshape(image.shape).astype(np.uint8)


def reshaped(values: np.ndarray, plan: Plan) -> np.ndarray:
    right = values.shape
    target = {"right": right, "scalar": (), "empty": (0,) + right[1:], "extra": right + (1,),
              "fewer": right[:-1], "transposed": right[::-1],
              "drawn": plan.drawn_shape}[plan.shape]
    if int(np.prod(target)) == values.size:
        return values.reshape(target)
    if values.size == 0:
        return np.zeros(target, dtype=values.dtype)
    return np.resize(values, target)


def build(plan: Plan, name: str, args: tuple, call_number: int):
    """The value the fake student's ``name`` returns for ``args``."""
    if plan.kind == "none":
        return None
    if plan.kind == "python":
        return plan.python
    rng = np.random.default_rng([plan.seed, call_number if plan.varies else 0])
    values = np.asarray(right_answer(name, args))
    K = args[1] if name != "compute_centroid_means" else args[2]
    if plan.fill == "random" and values.dtype.kind in "iu":  # indices, some out of range
        values = rng.integers(-3, int(K) + 3, size=values.shape).astype(values.dtype)
    elif plan.fill == "random":
        values = rng.normal(scale=plan.scale, size=values.shape)
    values = reshaped(values, plan)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if plan.dtype == "keep":
            pass
        elif plan.dtype == "record":
            values = np.zeros(values.shape, dtype=[("a", "f8"), ("b", "i4")])
        elif plan.dtype in ("timedelta64[ns]", "datetime64[s]"):
            values = values.astype(np.int64).astype(plan.dtype)
        else:
            values = values.astype(plan.dtype)
        if plan.dtype not in ("record", "timedelta64[ns]", "datetime64[s]"):
            if plan.fill == "special" and values.size and values.dtype.kind in "biuf":
                chosen = specials(values.dtype, int(K))
                flat = values.reshape(-1)
                where = rng.random(flat.size) < plan.special_share
                flat[where] = rng.choice(np.array(chosen, dtype=object), size=int(where.sum()))
    if plan.kind == "matrix" and values.ndim <= 2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            return np.matrix(values)
    if plan.kind == "subclass":
        return values.view(type("StudentArray", (np.ndarray,), {}))
    if plan.kind == "masked":
        return np.ma.masked_array(values)
    return values


class FakeStudent:
    """A student module whose functions return what the plan says, with what the sandbox would
    report about the call (``last_reply``)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.calls = 0
        self.last_reply = None
        self.time_limits = {}

    def __getattr__(self, name):
        if name.startswith("_") or name not in spec.NAMES:
            raise AttributeError(name)

        def function(*args, **kwargs):
            self.calls += 1
            self.last_reply = SimpleNamespace(modified=set(self.plan.modified),
                                              views=self.plan.views)
            if self.plan.kind == "raise":
                raise self.plan.error("the student's function failed")
            if name == "kmeans_init_centroids" and self.plan.bad_k_raises and not (
                    1 <= args[1] <= len(args[0])):
                raise ValueError("K must be between 1 and m")
            return build(self.plan, name, args, self.calls)

        return function


python_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
    st.lists(st.integers(-3, 3), max_size=6), st.tuples(st.floats(), st.floats()),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.lists(st.lists(st.floats(), max_size=3), max_size=3))

plans = st.builds(
    Plan,
    kind=st.sampled_from(["array"] * 6 + ["none", "python", "matrix", "subclass", "masked",
                                          "raise"]),
    dtype=st.sampled_from(["keep"] * 8 + ALLOWED * 2 + OTHERS),
    shape=st.sampled_from(["right"] * 6 + ["scalar", "empty", "extra", "fewer", "transposed",
                                           "drawn"]),
    drawn_shape=st.lists(st.integers(0, 4), max_size=3).map(tuple),
    fill=st.sampled_from(["right", "right", "random", "special"]),
    special_share=st.sampled_from([0.05, 0.5, 1.0]),
    scale=st.sampled_from([1e-300, 1.0, 1e6, 1e300]),
    seed=st.integers(0, 2**16),
    varies=st.booleans(),
    python=python_values,
    error=st.sampled_from(EXCEPTIONS),
    bad_k_raises=st.booleans(),
    modified=st.frozensets(st.integers(0, 2), max_size=2),
    views=st.booleans(),
)


def run_check(function: str, check, parameters: dict, student) -> str | None:
    """Run one check on ``student``: None if it passes, its message if it fails."""
    fixtures = {"student": student, "ref": REF, "record_property": lambda key, value: None}
    wanted = inspect.signature(check).parameters
    if "outputs" in wanted:
        try:
            fixtures["outputs"] = capstone_suite.run_cases(student, {})
        except pytest.fail.Exception as failure:  # a fixture's failure is the check's
            return str(failure.msg)
    arguments = {k: fixtures[k] if k in fixtures else parameters[k] for k in wanted}
    try:
        check(**arguments)
    except pytest.fail.Exception as failure:
        return str(failure.msg)
    return None


@pytest.mark.parametrize("check_id", sorted(CHECKS))
@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plan=plans)
# The two bugs issue 11 found: inf rows from kmeans_init_centroids, a timedelta64 idx.
@example(plan=Plan(fill="special", special_share=1.0))
@example(plan=Plan(dtype="timedelta64[ns]"))
@example(plan=Plan(kind="python", python=[0, 1, 0, 1, 0, 1]))
@example(plan=Plan(kind="none"))
@example(plan=Plan())  # right answers: the passing path must not raise either
def test_every_check_gives_a_verdict_for_any_value(check_id, plan):
    function, check, parameters = CHECKS[check_id]
    message = run_check(function, check, parameters, FakeStudent(plan))
    if message is not None:
        assert isinstance(message, str) and message.strip(), "a failure must say why"
        assert function in message, f"the message should name {function}: {message}"
        assert "Traceback" not in message


def test_the_catalogue_holds_every_check_of_every_function():
    """The driver above runs every check the grader runs (none silently left out)."""
    from autograder.grading import collect_checks

    assert len(CHECKS) == len(collect_checks())
    assert {function for function, _, _ in CHECKS.values()} == set(spec.NAMES)


@pytest.mark.parametrize("dtype, kind", [("timedelta64[ns]", "time differences"),
                                         ("datetime64[s]", "dates"), ("bool", "booleans"),
                                         ("complex128", "complex numbers"),
                                         ("object", "Python objects")])
def test_an_idx_of_a_dtype_near_integers_is_refused_by_name(dtype, kind):
    """np.issubdtype(timedelta64, np.integer) is True: the template checks the dtype's kind."""
    idx = np.zeros(6, dtype=np.int64).astype(dtype)
    with pytest.raises(pytest.fail.Exception) as failure:
        checks.expect_array("find_closest_centroids", idx, (6,), "integer", "the index array idx")
    assert f"but its dtype is {idx.dtype} ({kind})" in str(failure.value.msg)


@pytest.mark.parametrize("dtype", ALLOWED)
def test_each_allowed_dtype_is_accepted_or_refused_as_its_kind_says(dtype):
    value = np.zeros(3, dtype=dtype)
    for wanted, kinds in checks.DTYPE_KINDS.items():
        accepted = value.dtype.kind in kinds and (wanted != "uint8" or dtype == "uint8")
        try:
            checks.expect_array("f", value, (3,), wanted)
            passed = True
        except pytest.fail.Exception:
            passed = False
        assert passed == accepted, (dtype, wanted)


def test_inf_rows_from_init_fail_the_public_check_with_a_message():
    """The public check once raised OverflowError on inf rows (int(inf))."""
    _, check, parameters = CHECKS["public_checks::test_init_distinct_rows[0]"]
    plan = Plan(fill="special", special_share=1.0)
    message = run_check("kmeans_init_centroids", check, parameters, FakeStudent(plan))
    assert message and "must be a row of X" in message


@pytest.mark.parametrize("check_id", sorted(k for k, v in CHECKS.items()
                                            if v[0] != "compress_image"))
def test_right_answers_pass_so_the_values_are_reached(check_id):
    """The fake's right answers pass every check of the K-means steps: the values drawn above
    get past the type, shape and dtype to the checks of the values themselves."""
    function, check, parameters = CHECKS[check_id]
    assert run_check(function, check, parameters, FakeStudent(Plan())) is None


def test_an_exception_that_cannot_print_itself_is_still_reported():
    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no")

    def raising(*args):
        raise Unprintable()

    with pytest.raises(pytest.fail.Exception) as failure:
        checks.call(SimpleNamespace(find_closest_centroids=raising), "find_closest_centroids")
    assert failure.value.msg == ("find_closest_centroids raised Unprintable: (its message could "
                                 "not be printed)")
