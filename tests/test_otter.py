"""otter-grader interoperability, checked with the real otter-grader package."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import otter, packaging, paths

from conftest import build  # noqa: E402

from autograder.grading import collect_checks  # noqa: E402

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
    assert len(cases) == len(collect_checks(include_hidden=False))  # one per public check
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


@pytest.fixture(scope="module")
def assigned(tmp_path_factory):
    """`otter assign` run on the master notebook `python -m autograder otter --master` writes."""
    folder = tmp_path_factory.mktemp("otter") / "master"
    done = subprocess.run([sys.executable, "-m", "autograder", "otter", "--master", str(folder)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([OTTER, "assign", "kmeans.ipynb", "dist"], cwd=folder,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    (autograder,) = (folder / "dist" / "autograder").glob("kmeans-autograder_*.zip")
    return folder / "dist", autograder


def otter_run(autograder, submission: Path):
    """`otter run` as its users run it; returns the points per question."""
    done = subprocess.run([OTTER, "run", "-a", str(autograder), "-o", str(submission.parent),
                           str(submission)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((submission.parent / "results.json").read_text())
    return {t["name"]: (t["score"], t["max_score"]) for t in results["tests"] if "score" in t}, \
        results


def test_the_master_notebook_gives_students_no_solution(assigned):
    dist, _ = assigned
    student = json.loads((dist / "student" / "kmeans.ipynb").read_text())
    code = "\n".join("".join(c["source"]) for c in student["cells"] if c["cell_type"] == "code")
    for function in otter.FUNCTIONS:
        assert f'raise NotImplementedError("{function} is not implemented yet")' in code
        assert f'grader.check("{function}")' in code
    reference = paths.SOLUTION.read_text()
    assert "_BLOCK_ENTRIES" not in code and "BEGIN SOLUTION" not in code
    assert "np.bincount(idx, weights=X[:, j], minlength=K)" in reference  # a solution line...
    assert "np.bincount(idx, weights=X[:, j], minlength=K)" not in code  # ...that is not given
    assert (dist / "student" / "data" / "six_points.csv").is_file()


def test_otter_run_grades_a_kmeans_py_right_and_wrong(assigned, tmp_path):
    _, autograder = assigned
    (tmp_path / "right").mkdir()
    shutil.copy(paths.SOLUTION, tmp_path / "right" / "kmeans.py")
    scores, _ = otter_run(autograder, tmp_path / "right" / "kmeans.py")
    assert set(scores) == set(otter.FUNCTIONS)
    assert all(score == total for score, total in scores.values()), scores
    assert sum(total for _, total in scores.values()) == 19
    (tmp_path / "wrong").mkdir()
    build("closest_ties_last.py", tmp_path / "wrong")
    scores, results = otter_run(autograder, tmp_path / "wrong" / "kmeans.py")
    assert scores["find_closest_centroids"] == (3, 4), scores
    assert all(s == t for f, (s, t) in scores.items() if f != "find_closest_centroids")
    assert "(the point [0, 0] is 2 away from all three centroids, so it goes to 0)" in \
        json.dumps(results)


def test_otter_run_grades_the_notebook_with_the_data_found(assigned, tmp_path):
    dist, autograder = assigned
    (tmp_path / "solved").mkdir()
    shutil.copy(dist / "autograder" / "kmeans.ipynb", tmp_path / "solved" / "kmeans.ipynb")
    scores, _ = otter_run(autograder, tmp_path / "solved" / "kmeans.ipynb")
    assert sum(s for s, _ in scores.values()) == 19, scores
    (tmp_path / "blank").mkdir()
    shutil.copy(dist / "student" / "kmeans.ipynb", tmp_path / "blank" / "kmeans.ipynb")
    scores, _ = otter_run(autograder, tmp_path / "blank" / "kmeans.ipynb")
    assert sum(s for s, _ in scores.values()) == 0, scores


def test_otter_markers_keep_the_stub_raise_unreachable_in_the_reference():
    reference = ("def f(x):\n"
                 "    ### BEGIN SOLUTION hint: add one.\n"
                 "    return x + 1\n"
                 "    ### END SOLUTION\n")
    marked = otter.otter_markers(reference)
    assert marked == ("def f(x):\n"
                      "    # Hint: add one.\n"
                      "    # BEGIN SOLUTION NO PROMPT\n"
                      "    return x + 1\n"
                      "    # END SOLUTION\n"
                      '    raise NotImplementedError("f is not implemented yet")\n')
    namespace = {}
    exec(marked, namespace)
    assert namespace["f"](1) == 2
    falls_through = reference.replace("    return x + 1\n", "    y = x + 1\n")
    with pytest.raises(otter.MasterError, match="does not end with its return"):
        otter.otter_markers(falls_through)


def test_otter_generate_and_run_with_the_release_test_files(assignment, tmp_path):
    """docs/instructors.md's recipe: public tests and data as support folders, then otter run."""
    support = assignment / "otter_support"
    support.mkdir()
    for name in ("test_kmeans.py", "checks.py"):
        shutil.copy(assignment / name, support / name)
    shutil.copytree(assignment.parent / "data", assignment / "data")
    done = subprocess.run([OTTER, "generate", "-t", "otter_tests", "otter_support", "data"],
                          cwd=assignment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    (tmp_path / "right").mkdir()
    shutil.copy(paths.SOLUTION, tmp_path / "right" / "kmeans.py")
    scores, _ = otter_run(assignment / "autograder.zip", tmp_path / "right" / "kmeans.py")
    assert sum(s for s, _ in scores.values()) == 19, scores
    (tmp_path / "stub").mkdir()
    shutil.copy(paths.STUB, tmp_path / "stub" / "kmeans.py")
    scores, _ = otter_run(assignment / "autograder.zip", tmp_path / "stub" / "kmeans.py")
    assert sum(s for s, _ in scores.values()) == 0, scores
