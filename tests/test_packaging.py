"""The zips that leave the project: what students get, and Gradescope's autograder."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from autograder import capstone, packaging, paths

sys.path.insert(0, str(paths.ROOT / "tests"))
from test_golden import assert_gradescope_schema, build  # noqa: E402


def test_release_holds_what_students_get_and_nothing_hidden(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder", "release", "--out",
                           str(tmp_path / "release.zip")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "release.zip") as z:
        names = z.namelist()
        contents = {name: z.read(name) for name in names}
    assert "kmeans-assignment/assignment/kmeans.py" in names
    assert "kmeans-assignment/assignment/test_kmeans.py" in names
    assert not any("solutions" in n or "suites" in n or "hidden" in n or "autograder" in n
                   for n in names), names
    hidden_images = {p.read_bytes() for p in capstone.HIDDEN.glob("*.png")}
    reference = paths.SOLUTION.read_bytes()
    for name, data in contents.items():
        assert data not in hidden_images, f"{name} is a hidden image"
        assert data != reference and b"BEGIN SOLUTION" not in data and b"_BLOCK_ENTRIES" not in data
    assert contents["kmeans-assignment/assignment/kmeans.py"] == paths.STUB.read_bytes()


def test_release_public_tests_run_on_their_own(tmp_path):
    with zipfile.ZipFile(paths.ROOT / packaging.build_release(tmp_path / "r.zip")) as z:
        z.extractall(tmp_path / "unpacked")
    folder = tmp_path / "unpacked" / "kmeans-assignment" / "assignment"
    env = {k: v for k, v in os.environ.items() if k != "KMEANS_SUBMISSION"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rN"],
                          cwd=folder, capture_output=True, text=True, env=env)
    assert re.search(r"\b11 failed\b", done.stdout), done.stdout
    assert done.stdout.count("is not implemented yet") == 11


@pytest.fixture(scope="module")
def gradescope_root():
    """Gradescope's layout in a folder: the zip unpacked in source/, setup.sh run once.

    Like /autograder, and unlike pytest's own temporary folders (0700), every user may walk
    into it: what keeps student code out of the hidden files must be the grader's doing.
    """
    root = Path(tempfile.mkdtemp(prefix="autograder-"))
    try:
        root.chmod(0o755)
        archive = packaging.build_gradescope(root / "autograder.zip")
        packaging.unzip_with_modes(archive, root / "source")
        env = dict(os.environ, AUTOGRADER_ROOT=str(root))
        done = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("golden, expected", [("correct_loops.py", "full"),
                                              ("closest_argmax.py", "partial"),
                                              ("hostile_steal.py", "zero")])
def test_gradescope_scripts_grade_a_submission(gradescope_root, golden, expected, tmp_path):
    root = gradescope_root
    submission = root / "submission"
    if submission.exists():
        for path in submission.iterdir():
            path.unlink()
    submission.mkdir(exist_ok=True)
    build(golden, submission)
    results_file = root / "results" / "results.json"
    if results_file.exists():
        results_file.unlink()
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")],
                          env=dict(os.environ, AUTOGRADER_ROOT=str(root)),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads(results_file.read_text())
    assert_gradescope_schema(results)
    total = sum(t["max_score"] for t in results["tests"])
    if expected == "full":
        assert results["score"] == total
    elif expected == "partial":
        assert 0 < results["score"] < total
    else:
        assert results["score"] == 0


@pytest.mark.parametrize("sandbox", ["auto", "fallback"])
def test_gradescope_hidden_material_is_unreadable_to_student_code(gradescope_root, sandbox):
    """In Gradescope's layout, under bubblewrap or (as in a container without it) Landlock,
    the reference, the hidden tests and the hidden images cannot be opened by a submission."""
    root = gradescope_root
    hidden = {"find_closest_centroids": "solutions/kmeans.py",
              "compute_centroid_means": "autograder/suites/conftest.py",
              "kmeans_init_centroids": "autograder/hidden_data/hidden_china.png"}
    submission = root / "submission"
    if submission.exists():
        for path in submission.iterdir():
            path.unlink()
    submission.mkdir(exist_ok=True)
    (submission / "kmeans.py").write_text("".join(
        f"def {function}(*args):\n"
        f"    open({str(root / 'source' / relative)!r}, 'rb').read()\n"
        f"    raise AssertionError('read the hidden file {relative}')\n\n"
        for function, relative in hidden.items()))
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")],
                          env=dict(os.environ, AUTOGRADER_ROOT=str(root), KMEANS_SANDBOX=sandbox),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["extra_data"]["isolation"] == ("landlock" if sandbox == "fallback"
                                                  else "bubblewrap")
    for function in hidden:
        first = next(t for t in results["tests"] if t["name"].startswith(function))
        assert first["score"] == 0
        assert "PermissionError" in first["output"] or "FileNotFoundError" in first["output"], \
            first["output"]
