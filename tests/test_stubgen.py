"""The student stub is generated from the reference and must never drift from it."""

import ast
import subprocess
import sys

import pytest

from autograder import paths
from autograder.stubgen import MarkerError, make_stub

CONTRACT_FUNCTIONS = ["find_closest_centroids", "compute_centroid_means", "kmeans_init_centroids",
                      "compress_image"]


def test_committed_stub_matches_generator():
    """assignment/kmeans.py is exactly what `python -m autograder stub` makes now."""
    expected = make_stub(paths.SOLUTION.read_text(encoding="utf-8"))
    assert paths.STUB.read_text(encoding="utf-8") == expected, (
        "assignment/kmeans.py is out of date: run `python -m autograder stub`")


def test_stub_check_command_agrees():
    done = subprocess.run([sys.executable, "-m", "autograder", "stub", "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout


def _functions(source):
    return {node.name: node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}


def test_stub_raises_not_implemented_and_keeps_docstrings():
    stub = paths.STUB.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in stub and "END SOLUTION" not in stub
    reference = _functions(paths.SOLUTION.read_text(encoding="utf-8"))
    functions = _functions(stub)
    for name in CONTRACT_FUNCTIONS:
        body = functions[name].body
        assert ast.get_docstring(functions[name]) == ast.get_docstring(reference[name])
        last = body[-1]
        assert isinstance(last, ast.Raise) and last.exc.func.id == "NotImplementedError", name
        assert len(body) == 2, f"{name} should be only its docstring and the raise"
    # run_kmeans is given to students, whole.
    assert ast.dump(functions["run_kmeans"]) == ast.dump(reference["run_kmeans"])
    assert not any(name.startswith("_") for name in functions), "reference helpers leaked"


def test_stub_has_a_hint_per_function():
    stub = paths.STUB.read_text(encoding="utf-8")
    assert stub.count("# Hint: ") == len(CONTRACT_FUNCTIONS)


def test_stub_functions_say_not_implemented(tmp_path):
    namespace = {}
    exec(compile(paths.STUB.read_text(encoding="utf-8"), "kmeans.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="find_closest_centroids is not implemented"):
        namespace["find_closest_centroids"]([[0.0]], [[0.0]])


GOOD = '''import numpy as np

### BEGIN SOLUTION
HELPER = 1
### END SOLUTION


def f(x):
    """Doc."""
    ### BEGIN SOLUTION hint: add one.
    return x + HELPER
    ### END SOLUTION
'''


def test_generator_replaces_function_regions_and_drops_module_regions():
    stub = make_stub(GOOD, "m.py")
    assert "HELPER" not in stub
    assert '    # Hint: add one.\n    raise NotImplementedError("f is not implemented yet")\n' in stub
    assert '"""Doc."""' in stub


@pytest.mark.parametrize("source, problem", [
    ("def f():\n    ### BEGIN SOLUTION hint: h\n    return 1\n", "never closed"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "without a BEGIN"),
    ("def f():\n    ### BEGIN SOLUTION hint: h\n    ### BEGIN SOLUTION hint: h\n"
     "    ### END SOLUTION\n    ### END SOLUTION\n", "cannot nest"),
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n", "needs a hint"),
    ("def f():\n    ## BEGIN SOLUTION hint: h\n    return 1\n    ### END SOLUTION\n", "malformed"),
    ("if True:\n    ### BEGIN SOLUTION hint: h\n    x = 1\n    ### END SOLUTION\n",
     "inside a function"),
])
def test_generator_rejects_bad_markers(source, problem):
    with pytest.raises(MarkerError, match=problem) as caught:
        make_stub(source, "bad.py")
    assert str(caught.value).startswith("bad.py:")
