"""otter-grader interoperability, checked with the real otter-grader package."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import otter, packaging, paths

sys.path.insert(0, str(paths.ROOT / "tests"))
from test_golden import build  # noqa: E402

OTTER = shutil.which("otter", path=str(Path(sys.executable).parent)) or shutil.which("otter")
pytestmark = pytest.mark.skipif(OTTER is None, reason="otter-grader is not installed")


@pytest.fixture
def assignment(tmp_path):
    """The assignment folder as students get it from the release zip."""
    with zipfile.ZipFile(packaging.build_release(tmp_path / "release.zip")) as z:
        z.extractall(tmp_path)
    return tmp_path / "kmeans-assignment" / "assignment"


def otter_check(folder, target, *extra):
    return subprocess.run([OTTER, "check", target, "-t", "otter_tests", *extra], cwd=folder,
                          capture_output=True, text=True, timeout=600)


def test_generated_files_cover_every_public_test():
    cases = otter.public_cases()
    assert len(cases) == 11  # one per public test and parameter set
    assert {c["function"] for c in cases} == set(otter.FUNCTIONS)


def test_otter_check_passes_the_reference_and_explains_the_stub(assignment):
    stub = otter_check(assignment, "kmeans.py", "-q", "find_closest_centroids")
    assert "find_closest_centroids is not implemented yet: write your code" in stub.stdout
    shutil.copy(paths.SOLUTION, assignment / "kmeans.py")
    done = otter_check(assignment, "kmeans.py")
    assert "All tests passed!" in done.stdout, done.stdout + done.stderr


def test_otter_check_reports_a_mistake_with_our_message(assignment):
    build("closest_ties_last.py", assignment)
    done = otter_check(assignment, "kmeans.py")
    assert "Test case failed" in done.stdout
    assert "(the point [0, 0] is 2 away from all three centroids, so it goes to 0)" in done.stdout
    assert done.stdout.count("Test case failed") == 1


def test_otter_check_runs_the_notebook(assignment):
    shutil.copy(paths.SOLUTION, assignment / "kmeans.py")
    done = otter_check(assignment, "kmeans.ipynb")
    assert "All tests passed!" in done.stdout, done.stdout + done.stderr
