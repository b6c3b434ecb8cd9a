"""The public tests students run: they pass on the reference and fail kindly on the stub."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from autograder import paths
from conftest import build  # at collection: later, other tests load the public tests' own conftest

sys.path.append(str(paths.ASSIGNMENT))  # for checks.py (after tests/, whose conftest comes first)

PUBLIC = paths.ASSIGNMENT / "test_kmeans.py"
FUNCTIONS = ("find_closest_centroids", "compute_centroid_means", "kmeans_init_centroids",
             "compress_image")


def run_public(submission):
    env = dict(os.environ, KMEANS_SUBMISSION=str(submission))
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rN",
                           str(PUBLIC)],
                          capture_output=True, text=True, env=env, cwd=paths.ASSIGNMENT)


def test_public_tests_pass_on_the_reference():
    done = run_public(paths.SOLUTION)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b16 passed\b", done.stdout), done.stdout


def test_public_tests_fail_kindly_on_the_stub():
    done = run_public(paths.STUB)
    assert done.returncode == 1
    assert re.search(r"\b16 failed\b", done.stdout), done.stdout
    assert done.stdout.count("is not implemented yet: write your code in kmeans.py") == 16
    # Each failure is headed by the sentence naming its check (the test's docstring).
    assert ("Checked: find_closest_centroids: the six-point sample gives [0, 1, 0, 1, 0, 1]\n"
            "find_closest_centroids is not implemented yet") in done.stdout
    assert "Traceback" not in done.stdout and "During handling" not in done.stdout
    assert "raise NotImplementedError(" not in done.stdout  # no source listing


def test_public_tests_report_a_broken_file_in_one_line(tmp_path):
    broken = tmp_path / "kmeans.py"
    broken.write_text("def find_closest_centroids(X, centroids)\n    return 0\n")
    done = run_public(broken)
    assert done.returncode == 1
    assert "kmeans.py could not be imported (line 1: expected ':')" in done.stdout
    assert "Traceback" not in done.stdout and "During handling" not in done.stdout


def test_public_tests_point_at_the_line_that_failed_to_import(tmp_path):
    broken = tmp_path / "kmeans.py"
    broken.write_text("import numpy as np\n\nimport not_a_module_xyz\n")
    done = run_public(broken)
    assert ("could not be imported (line 3: ModuleNotFoundError: No module named "
            "'not_a_module_xyz')") in done.stdout
    assert "During handling" not in done.stdout


def test_every_public_test_is_named_after_its_function():
    import ast

    tree = ast.parse(PUBLIC.read_text(encoding="utf-8"))
    tests = [node for node in tree.body
             if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]
    assert tests
    for test in tests:
        first = ast.get_docstring(test).splitlines()[0]
        assert first.split(":")[0] in FUNCTIONS, first
        assert any(isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "points"
                   for d in test.decorator_list), f"{test.name} has no points marker"


def test_public_tests_catch_a_modified_input_when_run_locally(tmp_path):
    done = run_public(build("closest_modifies_x.py", tmp_path))
    assert "find_closest_centroids changed its argument X" in done.stdout
    # and compress_image, which centres its own pixels through it, no longer compresses well
    # (nor keeps its point for the image unchanged, which asks for a right result)
    assert "no better than that" in done.stdout
    assert re.search(r"\b3 failed, 13 passed\b", done.stdout), done.stdout


# -- Local = grader ------------------------------------------------------------------------------

def public_names() -> dict:
    """{test function: the check's name (its docstring's first line)} of the public tests."""
    import ast

    tree = ast.parse(PUBLIC.read_text(encoding="utf-8"))
    return {node.name: ast.get_docstring(node).splitlines()[0] for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def local_verdicts(submission, tmp_path) -> dict:
    """{check name as the grader names it: passed} from pytest on the public tests."""
    import xml.etree.ElementTree as ElementTree

    report = tmp_path / "local.xml"
    env = dict(os.environ, KMEANS_SUBMISSION=str(submission))
    subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                    f"--junitxml={report}", str(PUBLIC)], capture_output=True, text=True,
                   env=env, cwd=paths.ASSIGNMENT, timeout=600)
    names, verdicts = public_names(), {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        test, _, parameters = case.get("name").partition("[")
        name = names[test] + (f" [{parameters[:-1]}]" if parameters else "")
        verdicts[name] = not any(child.tag in ("failure", "error") for child in case)
    return verdicts


def check_verdicts(submission) -> dict:
    """{check name: passed} from `python -m autograder check`."""
    done = subprocess.run([sys.executable, "-m", "autograder", "check", str(submission)],
                          capture_output=True, text=True, cwd=paths.ROOT, timeout=600)
    assert done.returncode in (0, 1), done.stderr
    return {line[6:]: line.startswith("PASS") for line in done.stdout.splitlines()
            if line.startswith(("PASS  ", "FAIL  "))}


def grade_verdicts(submission, tmp_path) -> dict:
    """{check name: passed} for the public checks' rows of `python -m autograder grade`."""
    import json

    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission), "--out",
                           str(out)], capture_output=True, text=True, cwd=paths.ROOT,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    public = set(check_names_public())
    return {t["name"]: t["score"] >= t["max_score"]
            for t in json.loads(out.read_text())["tests"] if t["name"] in public}


def check_names_public() -> list:
    from autograder.grading import check_names

    return check_names(include_hidden=False)


# Goldens that may run outside a sandbox (local pytest runs them in its own process, as a student
# does): every one whose public verdicts the local runner or a new check changed (the import rule,
# fresh copies, the initialisation checks), two correct styles, and one of each other kind of
# failure (a modified input, raising, exiting, not parsing). Not the attacks, crashes and hangs:
# those need the grader's sandbox (or minutes), and the local time limit has a test of its own
# below. Each golden takes 20-40 s here (pytest, check and grade), so all 88 would take an hour.
NEW_MISTAKES = [
    "closest_chebyshev.py", "closest_integer_data.py", "closest_matrix.py",
    "closest_modifies_centroids.py", "closest_returns_list.py", "closest_returns_tuple.py",
    "closest_skips_last_centroid.py", "means_count_plus_one.py", "means_divides_by_m.py",
    "means_drops_empty.py", "means_first_point.py", "means_floor_division.py",
    "means_k_from_idx.py", "means_median.py", "means_modifies_x.py", "means_returns_list.py",
    "init_evenly_spaced.py", "init_fixed_seed.py", "init_integer_rows.py",
    "init_no_lower_check.py", "init_random_state.py", "init_rejects_k_equal_m.py",
    "init_returns_indices.py", "init_returns_list.py", "compress_bgr.py",
    "compress_grayscale.py", "compress_k_plus_one.py", "compress_label_image.py",
    "compress_modifies_image.py", "compress_returns_pixels.py"]
AGREEING = ["correct_broadcast.py", "correct_loops.py", "import_scipy.py", "import_sklearn.py",
            "import_inside_function.py", "init_seeds_global.py", "init_with_replacement.py",
            "init_first_rows.py", "init_shuffles_x.py", "closest_modifies_x.py",
            "always_raises.py", "exit_means.py", "broken_syntax.py",
            # and every mistake added with docs/mistakes.md (examples/mistakes_table.py)
            *NEW_MISTAKES]


@pytest.mark.parametrize("name", AGREEING)
def test_every_public_check_gives_the_same_verdict_locally_in_check_and_in_grade(name, tmp_path):
    """What passes (or fails) in `python -m pytest` passes (or fails) in the grader."""
    submission = build(name, tmp_path)
    local = local_verdicts(submission, tmp_path)
    checked = check_verdicts(submission)
    graded = grade_verdicts(submission, tmp_path)
    public = set(check_names_public())
    # (`check` lists the hidden checks too when the file cannot be loaded: only the public count)
    checked = {check: passed for check, passed in checked.items() if check in public}
    assert set(local) == set(checked) == set(graded) == public
    differ = [f"{check}: pytest {local[check]}, check {checked[check]}, grade {graded[check]}"
              for check in local if not local[check] == checked[check] == graded[check]]
    assert not differ, "\n".join(differ)


def load_conftest():
    """The public tests' conftest.py (the local runner), as a module of its own."""
    import importlib.util

    found = importlib.util.spec_from_file_location("kmeans_public_conftest",
                                                   paths.ASSIGNMENT / "conftest.py")
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


def test_the_local_time_limit_is_worded_as_the_grader_words_it_and_names_the_line(tmp_path):
    import checks

    local = load_conftest()
    source = tmp_path / "kmeans.py"
    source.write_text("def helper():\n    while True:\n        pass\n\n\n"
                      "def find_closest_centroids(X, centroids):\n    return helper()\n")
    student = local.import_submission(source.resolve())
    module = local.LocalModule(student, source.resolve())
    module.time_limits["find_closest_centroids"] = 0.3
    with pytest.raises(local.StudentFault) as caught:
        module.find_closest_centroids(np.zeros((2, 2)), np.zeros((1, 2)))
    message = caught.value.student_message
    worded = [checks.sandbox_message("timed out", seconds=0.3, clock=clock)
              for clock in ("CPU", "wall-clock")]
    # the loop's two lines, `while True:` and `pass`: it is stopped on one of them
    assert any(re.fullmatch(re.escape(w) + r" \(it was running kmeans.py line [23], in helper\)",
                            message) for w in worded), message
    assert "a call may use 0.3 s of CPU time and 0.9 s of wall-clock time" in message
    with pytest.raises(local.StudentFault, match="was not run again: it timed out"):
        module.find_closest_centroids(np.zeros((2, 2)), np.zeros((1, 2)))


def test_local_calls_get_fresh_copies_and_report_what_they_changed(tmp_path):
    local = load_conftest()
    source = tmp_path / "kmeans.py"
    source.write_text("def kmeans_init_centroids(X, K, rng=None):\n    X[0, 0] = 99.0\n"
                      "    return X[:K]\n\n\ndef compute_centroid_means(X, idx, K):\n"
                      "    return [][K]\n")
    module = local.LocalModule(local.import_submission(source.resolve()), source.resolve())
    X = np.arange(6.0).reshape(3, 2)
    module.kmeans_init_centroids(X, 2, 0)
    assert X[0, 0] == 0.0  # the caller's X is untouched, as in the grader
    assert module.last_reply.modified == [0] and module.last_reply.views == [0]
    with pytest.raises(IndexError) as caught:  # the built-in error, worded with its line
        module.compute_centroid_means(X, np.zeros(3, dtype=int), 2)
    assert caught.value.student_message == "raised IndexError: list index out of range " \
                                           "(kmeans.py line 7)"


def test_an_import_the_grader_cannot_satisfy_fails_locally_before_anything_runs(tmp_path):
    import checks

    source = "\n".join(["import os, json", "import numpy.linalg", "from PIL import Image",
                        "from scipy.spatial import distance", "import sklearn.cluster as c",
                        "try:", "    import scipy", "except ImportError:", "    scipy = None",
                        "def f():", "    import pandas", "from . import sibling"])
    assert checks.unavailable_imports(source) == [(4, "scipy"), (5, "sklearn")]
    written = tmp_path / "kmeans.py"
    written.write_text("print('ran')\nimport numpy as np\nimport scipy\n")
    done = run_public(written)
    assert "ran" not in done.stdout
    assert ("kmeans.py could not be imported (line 3: ModuleNotFoundError: No module named "
            f"'scipy'). {checks.AVAILABLE_TEXT}") in done.stdout


def test_local_limits_are_the_graders():
    import checks

    from autograder import capstone
    from autograder.sandbox import Limits

    limits = Limits()
    assert checks.CALL_SECONDS == limits.call_seconds
    assert checks.WALL_FACTOR == limits.wall_factor
    assert checks.TOTAL_SECONDS == limits.total_seconds
    assert checks.LOAD_SECONDS == limits.load_seconds
    assert checks.time_limit("compress_image") == capstone.CALL_SECONDS
    assert checks.time_limit("find_closest_centroids") == limits.call_seconds


def test_the_grader_gives_the_public_checks_the_same_time_limits():
    """The public compress_image checks get the capstone's 30 s in the grader too."""
    from autograder import spec
    from autograder.grading import run_suites

    class Recording:
        def __init__(self):
            self.time_limits, self.seen, self.last_reply = {}, {}, None

        def __getattr__(self, name):
            if name not in spec.NAMES:
                raise AttributeError(name)

            def function(*args, **kwargs):
                self.seen[name] = self.time_limits.get(name)
                raise NotImplementedError(name)

            return function

    student = Recording()
    run_suites(student, include_hidden=False)
    assert student.seen["compress_image"] == 30.0
    assert student.seen["find_closest_centroids"] is None  # the grader's default, 10 s


def test_the_students_readme_states_the_points_and_limits_the_grader_uses():
    """assignment/README.md's points table is spec.py's, with the public tests' share; its time
    limits and packages are the ones checks.py applies."""
    import checks

    from autograder import spec
    from autograder.grading import collect_checks

    readme = (paths.ASSIGNMENT / "README.md").read_text(encoding="utf-8")
    rows = dict((name, (int(points), int(public))) for name, points, public in re.findall(
        r"^\| `(\w+)` \| (\d+) \| (\d+) \|$", readme, re.MULTILINE))
    public = {}
    for test in collect_checks(include_hidden=False):
        public[test.function] = public.get(test.function, 0) + test.max_score
    assert rows == {f.name: (f.points, public[f.name]) for f in spec.FUNCTIONS}
    total = re.search(r"^\| total \| (\d+) \| (\d+) \|$", readme, re.MULTILINE)
    assert total and (int(total[1]), int(total[2])) == (spec.TOTAL_POINTS, sum(public.values()))
    assert f"grader gives {spec.TOTAL_POINTS} points" in readme
    assert (f"may use {checks.CALL_SECONDS:g} seconds of CPU time "
            f"({checks.time_limit('compress_image'):g} for\n`compress_image`)") in readme
    assert f"all calls together, {checks.TOTAL_SECONDS:g}\nseconds" in readme
    assert checks.WALL_FACTOR == 3 and "three times that of wall-clock time" in readme
    assert set(checks.AVAILABLE) == {"numpy", "matplotlib", "PIL"}
    assert "numpy, matplotlib, pillow (imported as\n`PIL`) and the Python standard library" in readme


def test_a_helper_mistake_is_named_first_in_the_capstone_checks_locally_and_in_check(tmp_path):
    """closest_float_idx breaks compress_image through find_closest_centroids: the public
    capstone checks say so first, in pytest and in `check` alike (and never for a helper that
    passes its checks: the reference's capstone checks pass, and correct helpers add nothing)."""
    note = ("Your find_closest_centroids, which fails its own checks, may be why: if "
            "compress_image calls it, fix that first")
    submission = build("closest_float_idx.py", tmp_path)
    local = run_public(submission).stdout
    for chunk in local.split("Checked: ")[1:]:
        assert (note in chunk) == chunk.startswith("compress_image"), chunk
    assert local.count(note) == 3
    done = subprocess.run([sys.executable, "-m", "autograder", "check", str(submission)],
                          capture_output=True, text=True, cwd=paths.ROOT, timeout=600)
    assert done.stdout.count(note) == 3, done.stdout
    lone = tmp_path / "lone"
    lone.mkdir()
    done = subprocess.run([sys.executable, "-m", "autograder", "check",
                           str(build("compress_no_rescale.py", lone))],
                          capture_output=True, text=True, cwd=paths.ROOT, timeout=600)
    assert "FAIL  compress_image" in done.stdout and "may be why" not in done.stdout, done.stdout
