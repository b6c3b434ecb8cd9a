"""Fixtures for the hidden suites: the student's module (behind the sandbox) and the reference.

These suites never ship to students. Every expected value comes from the reference, run here in
the trusted grader process on the same seeded inputs.
"""

import sys

import pytest

from autograder import paths, reference, spec

sys.path.insert(0, str(paths.ASSIGNMENT))  # the shared feedback template, checks.py


def pytest_configure(config):
    for marker in spec.MARKERS:
        config.addinivalue_line("markers", marker)


@pytest.fixture(scope="session")
def student(pytestconfig):
    given = getattr(pytestconfig, "kmeans_student", None)
    if given is None:
        pytest.fail("the hidden suites run only through `python -m autograder grade`",
                    pytrace=False)
    return given


@pytest.fixture(scope="session")
def ref():
    return reference.load()
