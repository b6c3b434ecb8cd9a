"""Gives the public tests your kmeans.py (the one beside this file) as the `student` fixture."""

import importlib.util
import os
import sys
import traceback
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # so the tests can `import checks`


def pytest_configure(config):
    config.addinivalue_line("markers", "function(name): the function of kmeans.py the test checks")
    config.addinivalue_line("markers", "points(n): how many points the test is worth")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Head each failure with the sentence that names the check (its docstring's first line)."""
    outcome = yield
    report = outcome.get_result()
    graded = getattr(item.config, "kmeans_student", None) is not None  # the grader words its own
    doc = (getattr(item, "function", None).__doc__ or "").strip().splitlines()
    if report.failed and call.when == "call" and doc and not graded:
        report.longrepr = f"Checked: {doc[0]}\n{report.longreprtext}"


def _import_submission(path: Path):
    spec = importlib.util.spec_from_file_location("kmeans", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def student(pytestconfig):
    """Your kmeans.py: KMEANS_SUBMISSION names another file to test instead."""
    given = getattr(pytestconfig, "kmeans_student", None)  # set by the grader's own runner
    if given is not None:
        return given
    path = Path(os.environ.get("KMEANS_SUBMISSION", HERE / "kmeans.py"))
    if not path.is_file():
        pytest.fail(f"there is no file {path} to test.", pytrace=False)
    try:
        return _import_submission(path)
    except Exception as error:
        if isinstance(error, SyntaxError):
            detail = f"line {error.lineno}: {error.msg}"
        else:
            lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__)
                     if Path(frame.filename) == path]
            detail = f"line {lines[-1] if lines else '?'}: {type(error).__name__}: {error}"
    # Failing outside `except` keeps the message free of a chained traceback.
    pytest.fail(f"{path.name} could not be imported ({detail}). Fix that first: "
                f"no function can be tested until the file runs.", pytrace=False)
