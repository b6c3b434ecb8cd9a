"""The public tests students run: they pass on the reference and fail kindly on the stub."""

import os
import re
import subprocess
import sys

from autograder import paths
from conftest import build  # at collection: later, other tests load the public tests' own conftest

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
    assert re.search(r"\b11 passed\b", done.stdout), done.stdout


def test_public_tests_fail_kindly_on_the_stub():
    done = run_public(paths.STUB)
    assert done.returncode == 1
    assert re.search(r"\b11 failed\b", done.stdout), done.stdout
    assert done.stdout.count("is not implemented yet: write your code in kmeans.py") == 11
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
    assert "no better than that" in done.stdout
    assert re.search(r"\b2 failed, 9 passed\b", done.stdout), done.stdout
