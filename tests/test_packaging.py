"""The zips that leave the project: what students get, and Gradescope's autograder."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from pathlib import Path

import pytest

from autograder import capstone, packaging, paths

from conftest import assert_gradescope_schema, build  # noqa: E402

from autograder.grading import collect_checks  # noqa: E402

PUBLIC = len(collect_checks(include_hidden=False))  # the stub fails each of them
PUBLIC_POINTS = sum(check.max_score for check in collect_checks(include_hidden=False))


def test_release_holds_what_students_get_and_nothing_hidden(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder", "release", "--out",
                           str(tmp_path / "release.zip")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "release.zip") as z:
        names = z.namelist()
        contents = {name: z.read(name) for name in names}
    assert "kmeans-assignment/assignment/kmeans.py" in names
    assert "kmeans-assignment/assignment/test_kmeans.py" in names
    assert not any("solutions" in n or "suites" in n or "hidden" in n for n in names), names
    # Of the grader, only the engine of `check`: never the reference's loader, the capstone's
    # scoring against it, or the tools that read the reference's solution markers.
    engine = {f"kmeans-assignment/autograder/{p.relative_to(paths.PACKAGE).as_posix()}"
              for p in packaging.engine_modules()}
    assert {n for n in names if n.startswith("kmeans-assignment/autograder/")} == engine
    assert not any(n.endswith(("/capstone.py", "/reference.py", "/stubgen.py", "/otter.py"))
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
    assert re.search(rf"\b{PUBLIC} failed\b", done.stdout), done.stdout
    assert done.stdout.count("is not implemented yet") == PUBLIC


def readme_gradescope_steps() -> str:
    """docs/instructors.md's lines that try the Gradescope zip in an empty folder, as written."""
    page = (paths.ROOT / "docs" / "instructors.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^( *)```\n(.*?)^\1```", page, re.MULTILINE | re.DOTALL)
    (block,) = [text for _, text in blocks if "unzip" in text and "run_autograder" in text]
    return textwrap.dedent(block)


@pytest.fixture(scope="module")
def gradescope_root():
    """Gradescope's layout in a folder, made by running docs/instructors.md's steps verbatim in an
    empty folder (the package's `python` first on PATH, as in an activated venv).

    Like /autograder, and unlike pytest's own temporary folders (0700), every user may walk
    into it: what keeps student code out of the hidden files must be the grader's doing.
    """
    folder = Path(tempfile.mkdtemp(prefix="autograder-"))
    try:
        folder.chmod(0o755)
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        env = dict(os.environ, PATH=path)
        env.pop("AUTOGRADER_ROOT", None)
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", readme_gradescope_steps()],
                              cwd=folder, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        root = folder / "root"
        results = json.loads((root / "results" / "results.json").read_text())
        assert results["score"] == 0  # the page says: the stub's results
        assert all("not implemented yet" in t["output"] for t in results["tests"]
                   if t["name"].startswith("find_closest_centroids"))
        yield root
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_readme_steps_start_from_an_empty_folder():
    steps = readme_gradescope_steps().splitlines()
    assert steps[0].startswith("python -m autograder gradescope")
    assert any(line.startswith("mkdir -p root") and "unzip" in line for line in steps)


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


def test_run_autograder_takes_its_paths_from_the_environment(gradescope_root, tmp_path):
    """The container's way: the submission and the results anywhere, the same script."""
    build("correct_broadcast.py", tmp_path)
    results_file = tmp_path / "out" / "graded.json"
    decoy = tmp_path / "decoy" / "autograder"  # run from a folder with a package of that name:
    decoy.mkdir(parents=True)                   # the script must not import it
    (decoy / "__init__.py").write_text("")
    (decoy / "__main__.py").write_text("raise SystemExit('the decoy ran')\n")
    done = subprocess.run(["bash", str(gradescope_root / "source" / "run_autograder")],
                          env=dict(os.environ, AUTOGRADER_ROOT=str(gradescope_root),
                                   AUTOGRADER_SUBMISSION=str(tmp_path / "kmeans.py"),
                                   AUTOGRADER_RESULTS=str(results_file)),
                          cwd=decoy.parent, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads(results_file.read_text())
    assert results["score"] == sum(t["max_score"] for t in results["tests"])


def test_the_image_and_gradescope_run_the_same_scripts(tmp_path):
    with zipfile.ZipFile(packaging.build_gradescope(tmp_path / "ag.zip")) as z:
        for script in ("setup.sh", "run_autograder"):
            assert z.read(script) == (paths.DEPLOY / script).read_bytes(), script
            assert (z.getinfo(script).external_attr >> 16) & 0o111, f"{script} is executable"
    dockerfile = (paths.DEPLOY / "Dockerfile").read_text()
    assert "bookworm" in dockerfile and "python3" in dockerfile and "bubblewrap" in dockerfile  # 3.11
    assert re.search(r"^RUN .*\n(?: .*\n)*.*bash /autograder/source/setup\.sh", dockerfile,
                     re.MULTILINE), "the image is built by the zip's own setup.sh"
    assert "ln -s /autograder/source/run_autograder /usr/local/bin/run_autograder" in dockerfile
    assert 'ENTRYPOINT ["run_autograder"]' in dockerfile  # the zip's own script


def _fake_system(tmp_path):
    """A PATH with no Python and no bubblewrap, and an apt-get that only records its calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt-get.log"
    (bin_dir / "apt-get").write_text(f"#!/bin/bash\necho \"$@\" >> {log}\n")
    (bin_dir / "apt-get").chmod(0o755)
    for tool in ("id", "grep", "dirname", "cat"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    return bin_dir, log


def test_setup_sh_installs_no_system_package_outside_gradescope(tmp_path):
    """On a developer's machine a missing Python is named, and apt-get is never run."""
    bin_dir, log = _fake_system(tmp_path)
    env = {"PATH": str(bin_dir), "AUTOGRADER_ROOT": str(tmp_path / "root"), "HOME": str(tmp_path)}
    done = subprocess.run(["/bin/bash", str(paths.DEPLOY / "setup.sh")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "no Python 3.11 or newer" in done.stderr and "AUTOGRADER_INSTALL_SYSTEM_PACKAGES" \
        in done.stderr
    assert not log.exists(), "setup.sh ran apt-get outside Gradescope"
    asked = subprocess.run(["/bin/bash", str(paths.DEPLOY / "setup.sh")],
                           env=dict(env, AUTOGRADER_INSTALL_SYSTEM_PACKAGES="1"),
                           capture_output=True, text=True, timeout=60)
    assert asked.returncode != 0  # the fake apt-get installs nothing
    assert "install -y -qq python3.11 python3.11-venv bubblewrap" in log.read_text()


def test_release_installs_from_its_own_requirements_and_its_tests_run(tmp_path):
    """A student's first steps, as assignment/README.md gives them, in a fresh venv."""
    with zipfile.ZipFile(packaging.build_release(tmp_path / "r.zip")) as z:
        z.extractall(tmp_path)
    folder = tmp_path / "kmeans-assignment" / "assignment"
    readme = (folder / "README.md").read_text()
    for line in ("python3 -m venv .venv", ".venv/bin/pip install -r requirements.txt",
                 ".venv/bin/python -m pytest", ".venv/bin/jupyter lab kmeans.ipynb"):
        assert line in readme, line
    done = subprocess.run([sys.executable, "-m", "venv", ".venv"], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([".venv/bin/pip", "install", "-q", "-r", "requirements.txt"],
                          cwd=folder, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k not in ("KMEANS_SUBMISSION", "PYTHONPATH")}
    done = subprocess.run([".venv/bin/python", "-m", "pytest", "-p", "no:cacheprovider", "-rN"],
                          cwd=folder, capture_output=True, text=True, env=env, timeout=600)
    assert re.search(rf"\b{PUBLIC} failed\b", done.stdout), done.stdout + done.stderr
    assert done.stdout.count("is not implemented yet") == PUBLIC
    # The self-check in the grader's sandbox, as the README gives it, with only this install:
    # the stub fails every public check, the reference passes them all.
    top = folder.parent
    assert "assignment/.venv/bin/python -m autograder check assignment/kmeans.py" in readme
    done = subprocess.run(["assignment/.venv/bin/python", "-m", "autograder", "check",
                           "assignment/kmeans.py"], cwd=top,
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.count("FAIL  ") == PUBLIC and f"0 / {PUBLIC_POINTS:g}: " in done.stdout, (
        done.stdout)
    assert "Traceback" not in done.stdout + done.stderr
    (tmp_path / "mine").mkdir()
    shutil.copy(paths.SOLUTION, tmp_path / "mine" / "kmeans.py")
    done = subprocess.run(["assignment/.venv/bin/python", "-m", "autograder", "check",
                           str(tmp_path / "mine" / "kmeans.py")], cwd=top, capture_output=True,
                          text=True, env=env, timeout=600)
    assert done.returncode == 0 and "Every check passed." in done.stdout, done.stdout + done.stderr
    done = subprocess.run(["assignment/.venv/bin/python", "-m", "autograder", "stub"], cwd=top,
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2 and "not part of the student release" in done.stderr
    assert "Traceback" not in done.stderr


def test_gradescope_without_the_hidden_images_writes_nothing(tmp_path, monkeypatch):
    """A zip whose setup works but whose grading cannot is worse than none."""
    monkeypatch.setattr(paths, "HIDDEN_DATA", tmp_path / "nowhere")
    with pytest.raises(paths.ProjectFilesMissing, match="hidden_china.png is missing"):
        packaging.build_gradescope(tmp_path / "out" / "autograder.zip")
    assert not (tmp_path / "out").exists()


def test_a_fault_of_the_grader_still_gives_gradescope_a_results_json(gradescope_root):
    """Gradescope's best practice: whatever fails, results.json is there, scoring 0 and saying
    the grader (not the student) failed; the script's exit status says so too."""
    root = gradescope_root
    (root / "results" / "results.json").unlink(missing_ok=True)
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")],
                          env=dict(os.environ, AUTOGRADER_ROOT=str(root),
                                   KMEANS_SANDBOX="no-such-mode"),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and results["extra_data"]["status"] == "grader error"
    assert "instructor" in results["output"]


def _fake_root(tmp_path, zip_path) -> Path:
    """Gradescope's layout from a built zip, without setup.sh: this Python grades."""
    root = tmp_path / "root"
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(root / "source")
    return root


def test_gradescope_hidden_visibility_is_carried_in_the_zip(tmp_path):
    """`gradescope --hidden-visibility after_published`: the zip's run_autograder grades with
    it, no edit needed; the public checks stay visible; AUTOGRADER_HIDDEN_VISIBILITY, if set,
    still decides."""
    done = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--out",
                           str(tmp_path / "ag.zip"), "--hidden-visibility", "after_published"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "hidden checks: after_published" in done.stdout
    with zipfile.ZipFile(tmp_path / "ag.zip") as z:
        assert z.read(packaging.CONFIG) == b"hidden_visibility=after_published\n"
    root = _fake_root(tmp_path, tmp_path / "ag.zip")
    # What run_autograder passes on, with a stand-in for the grader's Python.
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/bash\necho \"$@\" > {tmp_path / 'args'}\n")
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_HIDDEN_VISIBILITY"}
    for extra, expected in (({}, "after_published"),
                            ({"AUTOGRADER_HIDDEN_VISIBILITY": "hidden"}, "hidden")):
        subprocess.run(["bash", str(root / "source" / "run_autograder")], check=True,
                       env=dict(env, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=str(fake),
                                **extra))
        assert f"--hidden-visibility {expected}" in (tmp_path / "args").read_text()
    # Graded for real in the fake /autograder.
    (root / "submission").mkdir()
    build("correct_loops.py", root / "submission")
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")],
                          env=dict(env, AUTOGRADER_ROOT=str(root),
                                   AUTOGRADER_PYTHON=sys.executable),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert_gradescope_schema(results)
    public = [t for t in results["tests"] if t["visibility"] == "visible"]
    hidden = [t for t in results["tests"] if t["visibility"] == "after_published"]
    assert public and hidden and len(public) + len(hidden) == len(results["tests"])
    assert results["score"] == sum(t["max_score"] for t in results["tests"])


def test_a_zip_built_without_the_option_shows_the_hidden_checks_as_before(tmp_path):
    with zipfile.ZipFile(packaging.build_gradescope(tmp_path / "ag.zip")) as z:
        assert z.read(packaging.CONFIG) == b"hidden_visibility=visible\n"
    with pytest.raises(ValueError, match="hidden_visibility must be one of"):
        packaging.build_gradescope(tmp_path / "bad.zip", "sometimes")
    assert not (tmp_path / "bad.zip").exists()
