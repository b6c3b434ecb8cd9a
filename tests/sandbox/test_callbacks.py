"""Call-backs: during one call, the grader's functions answer for the module's own globals.

The module's code calls them as its own; each call crosses as a call-back frame that the grader
answers, so the grader's code never enters the worker. A worker that floods them, names one not
offered or sends a malformed one gets a verdict (Malformed), never a fault of the grader's.
"""

import json

import numpy as np
import pytest

from autograder import sandbox

MODULE = b'''
import json, os, struct, sys
import numpy as np


def helper(X, k):
    return "the module's own"


def uses_helper(X, k):
    return helper(X, k)


def flood(n):
    for _ in range(n):
        helper(np.zeros(2), 1)
    return "done"


def forge(header):
    body = header.encode()
    os.write(sys.modules["__main__"].CHANNEL[1], struct.pack("<Q", len(body)) + body)
    return "forged"


def refused():
    try:
        helper(np.zeros(2), -1)
    except ValueError as error:
        return f"ValueError: {error}"


def generator():
    rng = np.random.default_rng(5)
    return helper(rng, 2)
'''


def answer(X, k):
    if isinstance(X, np.random.Generator):
        return X.integers(0, 100, size=k)
    if k < 0:
        raise sandbox.Refused("ValueError", "k must not be negative")
    return np.asarray(X) * 2 + k


@pytest.fixture(scope="module")
def box():
    with sandbox.Sandbox(sandbox.Module(MODULE), sandbox.detect(), prefix="callback-test-") as box:
        assert isinstance(box.start(), sandbox.Loaded)
        yield box


def offered(most_calls=5):
    return sandbox.CallBacks({"helper": answer}, most_calls=most_calls)


def test_the_graders_function_answers_for_the_modules_and_only_during_that_call(box):
    callbacks = offered()
    got = box.call("uses_helper", (np.arange(3.0), 1), callbacks=callbacks)
    assert np.array_equal(got.value, [1.0, 3.0, 5.0])
    assert callbacks.calls == {"helper": 1}
    assert box.call("uses_helper", (np.arange(3.0), 1)).value == "the module's own"


def test_a_refusal_is_raised_in_the_worker_and_a_generator_crosses_by_its_state(box):
    assert box.call("refused", callbacks=offered()).value == "ValueError: k must not be negative"
    expected = np.random.default_rng(5).integers(0, 100, size=2)
    assert np.array_equal(box.call("generator", callbacks=offered()).value, expected)


def test_a_flood_of_call_backs_is_malformed_and_counted_per_call(box):
    callbacks = offered(most_calls=5)
    assert box.call("flood", (5,), callbacks=callbacks).value == "done"
    assert box.call("flood", (5,), callbacks=callbacks).value == "done"  # a new call, a new count
    flooded = box.call("flood", (6,), callbacks=callbacks)
    assert isinstance(flooded, sandbox.Malformed) and "more than 5 call-backs" in flooded.problem
    assert box.call("uses_helper", (np.arange(2.0), 0)).value == "the module's own"  # restarted


@pytest.mark.parametrize("header, problem", [
    ({"callback": "open", "args": [], "kwargs": {}}, "not offered"),
    ({"callback": "helper", "args": [{"kind": "ndarray", "key": "x"}], "kwargs": {}},
     "did not send"),
    ({"callback": "helper", "args": [{"kind": "json", "value": 1}] * 9, "kwargs": {}},
     "more than 8 arguments"),
    ({"callback": "helper", "args": [{"kind": "generator", "state": {"bit_generator": "x"}},
                                     {"kind": "json", "value": 1}], "kwargs": {}}, "generator"),
    ({"callback": "helper", "args": "no", "kwargs": {}}, "field 'args'"),
])
def test_forged_call_backs_are_malformed(box, header, problem):
    forged = box.call("forge", (json.dumps(dict(header, arrays={})),), callbacks=offered())
    assert isinstance(forged, sandbox.Malformed) and problem in forged.problem, forged


def test_a_call_back_when_none_was_offered_is_malformed(box):
    header = {"callback": "helper", "args": [], "kwargs": {}, "arrays": {}}
    assert isinstance(box.call("forge", (json.dumps(header),)), sandbox.Malformed)


def test_a_grader_function_that_breaks_is_the_graders_fault_and_stops_the_worker(box):
    broken = sandbox.CallBacks({"helper": lambda X, k: 1 / 0})
    with pytest.raises(sandbox.CallBackFault, match="ZeroDivisionError"):
        box.call("uses_helper", (np.arange(2.0), 0), callbacks=broken)
    assert box.call("uses_helper", (np.arange(2.0), 0)).value == "the module's own"
