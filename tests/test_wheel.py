"""Off the clone: the sdist and wheel carry everything, and every command works from an install.

The wheel is built from the sdist (so the sdist is proven complete), installed into a fresh
virtual environment outside the repository, and each command is run from an empty folder. The
fresh environment gets the grader's dependencies from this test environment (a path file), so no
package index is needed beyond the build backend.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest

from autograder import packaging, paths

from conftest import build  # noqa: E402

SKIP = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__",
                              ".pytest_cache", "out", "submissions", "otter_tests")


def _run(command, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 600)
    return subprocess.run(command, **kwargs)


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """The sdist, built from a copy of the project, and the wheel built from that sdist."""
    work = tmp_path_factory.mktemp("dist")
    source = work / "project"
    shutil.copytree(paths.ROOT, source, ignore=SKIP)
    done = _run([sys.executable, "-c", "from setuptools import build_meta as b; "
                 f"print(b.build_sdist({str(work)!r}))"], cwd=source)
    assert done.returncode == 0, done.stderr[-3000:]
    sdist = work / done.stdout.strip().splitlines()[-1]
    done = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work),
                 str(sdist)])
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = work.glob("*.whl")
    return sdist, wheel


def fresh_venv(venv: Path, wheel: Path) -> Path:
    """A new venv at ``venv`` with ``wheel`` installed; returns its python. Its dependencies
    (numpy, pillow, pytest...) come from this environment, after the venv's own packages."""
    assert _run([sys.executable, "-m", "venv", "--without-pip", str(venv)]).returncode == 0
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
                .stdout.strip())
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    done = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                 "--no-index", "-q", str(wheel)])
    assert done.returncode == 0, done.stderr[-3000:]
    return python


@pytest.fixture(scope="module")
def installed(dists):
    """A fresh venv outside the repository with the wheel installed; returns its python.

    Like a real installation, and unlike pytest's own temporary folders (0700), every user may
    walk into it: what keeps student code out of the installed hidden files must be the grader's
    doing, not this folder's permissions.
    """
    folder = Path(tempfile.mkdtemp(prefix="kmeans-wheel-"))
    try:
        folder.chmod(0o755)
        yield fresh_venv(folder / "fresh", dists[1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def cli(python, *args, cwd):
    return _run([str(python), "-P", "-m", "autograder", *args], cwd=cwd,
                env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)})


def test_the_wheel_and_sdist_carry_the_hidden_material_and_the_assignment(dists):
    sdist, wheel = dists
    with zipfile.ZipFile(wheel) as z:
        in_wheel = set(z.namelist())
    for name in ("suites/conftest.py", "suites/test_compress_image.py",
                 "hidden_data/hidden_china.png", "hidden_data/hidden_flower.png",
                 "_project/solutions/kmeans.py", "_project/assignment/kmeans.py",
                 "_project/assignment/test_kmeans.py", "_project/assignment/requirements.txt",
                 "_project/assignment/kmeans.ipynb", "_project/data/grace_hopper.png",
                 "_project/data/six_points.csv", "_project/deploy/run_autograder",
                 "_project/deploy/setup.sh"):
        assert f"autograder/{name}" in in_wheel, name
    # Every module of the package and its subpackages (a new subpackage must be listed in
    # pyproject.toml's packages), every hidden image, every file of the assignment and data.
    for path in paths.PACKAGE.rglob("*.py"):
        relative = path.relative_to(paths.ROOT).as_posix()
        if (path.parent / "__init__.py").is_file() and "__pycache__" not in relative:
            assert relative in in_wheel, f"{relative} is missing from the wheel"
    with tarfile.open(sdist) as t:
        in_sdist = {name.split("/", 1)[1] for name in t.getnames() if "/" in name}
    for name in ("pyproject.toml", "solutions/kmeans.py", "autograder/suites/support.py",
                 "autograder/hidden_data/hidden_china.png", "assignment/checks.py",
                 "data/three_clusters.csv", "deploy/Dockerfile", "docs/interface.md"):
        assert name in in_sdist, name


def test_paths_find_everything_in_the_installed_package(installed, tmp_path):
    code = ("import json; from autograder import paths; print(json.dumps({'installed': "
            "paths.INSTALLED, 'package': str(paths.PACKAGE), 'root': str(paths.ROOT), "
            "'hidden': [str(p) for p in paths.hidden_roots()]}))")
    done = _run([str(installed), "-P", "-c", code], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    venv = str(installed.parent.parent)
    assert found["installed"] and found["package"].startswith(venv)
    assert found["root"] == found["package"] + "/_project"
    hidden = [Path(p) for p in found["hidden"]]
    assert [p.name for p in hidden] == ["solutions", "suites", "hidden_data"]
    assert all(str(p).startswith(venv) and p.is_dir() for p in hidden)
    assert (hidden[0] / "kmeans.py").is_file() and (hidden[2] / "hidden_china.png").is_file()
    assert (hidden[1] / "test_compress_image.py").is_file()


def test_hidden_roots_in_a_clone_hold_the_hidden_material():
    roots = paths.hidden_roots()
    assert paths.SOLUTION.parent in roots and paths.SUITES in roots and paths.HIDDEN_DATA in roots
    assert paths.ROOT / "tests" / "golden" in roots  # correct solutions among the goldens
    assert not paths.INSTALLED and paths.ROOT == Path(__file__).resolve().parent.parent


def test_grade_check_and_batch_work_from_an_empty_folder(installed, tmp_path):
    for student, golden in (("good", "correct_loops.py"), ("bad", "closest_argmax.py")):
        (tmp_path / student).mkdir()
        build(golden, tmp_path / student)
    work = tmp_path / "empty"
    work.mkdir()
    done = cli(installed, "grade", str(tmp_path / "good"), "--out", "results.json", cwd=work)
    assert done.returncode == 0, done.stderr
    results = json.loads((work / "results.json").read_text())
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) == 66
    assert cli(installed, "check", str(tmp_path / "good" / "kmeans.py"), cwd=work).returncode == 0
    nothing = cli(installed, "check", cwd=work)  # no kmeans.py here: said in one line
    assert nothing.returncode == 2 and nothing.stdout == ""
    assert nothing.stderr.startswith("error: there is no kmeans.py (or kmeans.ipynb) in this "
                                     "folder") and nothing.stderr.count("\n") == 1
    assert "python -m autograder check path/to/kmeans.py" in nothing.stderr
    here = tmp_path / "here"  # the folder's own kmeans.py, not the packaged stub
    shutil.copytree(tmp_path / "good", here)
    done = cli(installed, "check", cwd=here)
    assert done.returncode == 0 and done.stdout.startswith("checking ./kmeans.py\n"), done.stdout
    shutil.copy(paths.STUB, here / "kmeans.py")
    stub = cli(installed, "check", cwd=here)
    assert stub.returncode == 1 and "not implemented yet" in stub.stdout
    assert stub.stdout.startswith("checking ./kmeans.py\n")
    classroom = tmp_path / "class"
    for student in ("good", "bad"):
        shutil.copytree(tmp_path / student, classroom / student)
    done = cli(installed, "grade", str(tmp_path / "nope.py"), "--out", "nope.json", cwd=work)
    assert done.returncode == 2 and not (work / "nope.json").exists()
    done = cli(installed, "batch", str(classroom), "--out", "out", "--jobs", "1", cwd=work)
    assert done.returncode == 0, done.stderr
    rows = (work / "out" / "grades.csv").read_text().splitlines()
    assert len(rows) == 3 and any(r.startswith("good,") for r in rows)


def test_the_zips_from_an_install_are_the_zips_from_the_clone(installed, tmp_path):
    """gradescope and release, run from the installed wheel, write exactly what the clone does."""
    work = tmp_path / "empty"
    work.mkdir()
    for command, build_here in (("gradescope", packaging.build_gradescope),
                                ("release", packaging.build_release)):
        done = cli(installed, command, "--out", f"{command}.zip", cwd=work)
        assert done.returncode == 0, done.stderr
        from_clone = build_here(tmp_path / f"{command}-clone.zip")
        assert (work / f"{command}.zip").read_bytes() == from_clone.read_bytes(), command
    with zipfile.ZipFile(work / "gradescope.zip") as z:
        names = set(z.namelist())
        requirements = z.read("requirements.txt").decode()
    assert {"setup.sh", "run_autograder", "solutions/kmeans.py", "autograder/suites/conftest.py",
            "autograder/hidden_data/hidden_china.png"} <= names
    assert "numpy" in requirements and "otter" not in requirements  # no test extras
    assert sorted(p.name for p in work.iterdir()) == ["gradescope.zip", "release.zip"]


def test_otter_compress_and_stub_from_an_empty_folder(installed, tmp_path):
    done = cli(installed, "otter", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "otter_tests").iterdir()) == [
        "compress_image.py", "compute_centroid_means.py", "find_closest_centroids.py",
        "kmeans_init_centroids.py"]
    done = cli(installed, "otter", "--master", "master", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "master" / "kmeans.ipynb").is_file()
    assert (tmp_path / "master" / "otter_support" / "test_kmeans.py").is_file()
    done = cli(installed, "compress", "--colors", "4", "--out", "small.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "small.png").stat().st_size > 0
    done = cli(installed, "stub", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "clone" in done.stderr


def test_missing_inputs_are_one_line_and_write_nothing(dists, tmp_path):
    """An installation that lost a file: each command says which, and writes nothing."""
    python = fresh_venv(tmp_path / "broken", dists[1])
    site = python.parent.parent / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" \
        / "site-packages"
    (site / "autograder" / "hidden_data" / "hidden_flower.png").unlink()
    (site / "autograder" / "_project" / "data" / "three_clusters.csv").unlink()
    (site / "autograder" / "_project" / "assignment" / "test_kmeans.py").unlink()
    work = tmp_path / "empty"
    work.mkdir()
    (work / "kmeans.py").write_bytes(paths.SOLUTION.read_bytes())
    lost = ("hidden_flower.png", "three_clusters.csv", "test_kmeans.py")
    for args in (["gradescope", "--out", "ag.zip"], ["release", "--out", "release.zip"],
                 ["grade", "kmeans.py", "--out", "results.json"], ["otter"],
                 ["otter", "--master", "master"]):
        done = cli(python, *args, cwd=work)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: "), args
        assert any(f"/{name} is missing" in done.stderr for name in lost), (args, done.stderr)
        assert sorted(p.name for p in work.iterdir()) == ["kmeans.py"], args


def test_student_code_cannot_read_the_installed_hidden_files(installed, tmp_path):
    """The reference, a hidden suite and a hidden image, installed in site-packages, are out of
    the submission's reach (whatever isolation this machine allows as root or with bwrap)."""
    package = next(installed.parent.parent.glob("lib/python*/site-packages/autograder"))
    hidden = {"find_closest_centroids": package / "_project" / "solutions" / "kmeans.py",
              "compute_centroid_means": package / "suites" / "conftest.py",
              "kmeans_init_centroids": package / "hidden_data" / "hidden_china.png"}
    (tmp_path / "kmeans.py").write_text("".join(
        f"def {function}(*args):\n"
        f"    open({str(path)!r}, 'rb').read()\n"
        f"    raise AssertionError('read {path.name}')\n\n" for function, path in hidden.items()))
    done = cli(installed, "grade", str(tmp_path / "kmeans.py"), "--out", "r.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    tests = json.loads((tmp_path / "r.json").read_text())["tests"]
    for function in hidden:
        first = next(t for t in tests if t["name"].startswith(function))
        assert re.search(r"PermissionError|FileNotFoundError", first["output"]), first["output"]
