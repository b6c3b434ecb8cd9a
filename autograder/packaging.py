"""Build the two zips that leave the project: Gradescope's autograder, and the student release.

``gradescope``: Gradescope unzips the autograder into /autograder/source, runs ``setup.sh`` once
to build the image, then ``run_autograder`` for each submission (the student's files are in
/autograder/submission; the results go to /autograder/results/results.json). Both scripts are
the files in ``deploy/`` (the container image runs the same ones) and take the root from
AUTOGRADER_ROOT (default /autograder), so they can be tried in a folder. The zip holds the
project in the clone's layout, built the same from a clone or from an installed wheel.

``release``: exactly what students get: the stub, the public tests and their helpers, the
instructions, the requirements file, the data, the notebook, the public tests as otter-grader
test files, and the grader's engine without its hidden suites (``autograder/``, so that
``python -m autograder check`` runs the public checks in the grader's sandbox with the student's
own install). Never the reference, the hidden suites or the hidden images.
"""

import importlib.metadata
import stat
import tempfile
import tomllib
import zipfile
from pathlib import Path

from . import otter, paths
from .files import replacing

DISTRIBUTION = "kmeans-assignment"

# What a student gets: (folder, file) pairs, written under kmeans-assignment/<folder>/.
RELEASE_FILES = [
    ("assignment", paths.ASSIGNMENT, ["kmeans.py", "README.md", "requirements.txt",
                                      "test_kmeans.py", "checks.py", "conftest.py",
                                      "kmeans.ipynb"]),
    ("data", paths.DATA, ["six_points.csv", "six_points_centroids.csv", "three_clusters.csv",
                          "grace_hopper.png", "CREDITS.md"]),
]

# What the grader needs on Gradescope, in the clone's layout under source/: (folder in the zip,
# where it is, glob patterns). The same patterns as the wheel's package data, so the zip is the
# same, byte for byte, whether it is built from a clone or from an installed wheel.
GRADER_FILES = [
    ("autograder", paths.PACKAGE, ["hidden_data/*.png", "hidden_data/CREDITS.md"]),
    ("assignment", paths.ASSIGNMENT, ["*.py", "README.md", "requirements.txt", "kmeans.ipynb"]),
    ("solutions", paths.SOLUTIONS, ["*.py"]),
    ("data", paths.DATA, ["*.csv", "*.png", "CREDITS.md"]),
]
SCRIPTS = ("setup.sh", "run_autograder")  # deploy/, the same files the container image runs
# The zip's settings, read by run_autograder (``name=value`` lines): the hidden checks'
# Gradescope visibility, chosen when the zip is built (``gradescope --hidden-visibility``).
CONFIG = "grading.conf"


def _add(archive: zipfile.ZipFile, source, name: str, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible zips
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, source.read_bytes() if isinstance(source, Path) else source)


def _matching(folder: Path, patterns) -> list[Path]:
    found = {p for pattern in patterns for p in paths.require(folder).glob(pattern)
             if p.is_file() and not p.is_symlink()}
    return sorted(found)


def _package_modules() -> list[Path]:
    """The grader's Python files: every module of the package and of its subpackages (folders
    with an ``__init__.py``), not the bundled project folders."""
    found = []
    for init in sorted(paths.PACKAGE.rglob("__init__.py")):
        relative = init.parent.relative_to(paths.PACKAGE)
        if paths.BUNDLE in relative.parts or "__pycache__" in relative.parts:
            continue
        found += [p for p in sorted(init.parent.glob("*.py")) if not p.is_symlink()]
    return found


def runtime_requirements() -> list[str]:
    """The packages the grader needs to run (pyproject's dependencies, without extras)."""
    pyproject = paths.ROOT / "pyproject.toml"
    if not paths.INSTALLED and pyproject.is_file():
        return list(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
                    ["dependencies"])
    try:
        requires = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        raise paths.ProjectFilesMissing(f"the {DISTRIBUTION} distribution's metadata is missing: "
                                        f"reinstall the package") from None
    return [r for r in requires if "extra ==" not in r.partition(";")[2]]


def _write_zip(out, entries) -> Path:
    """Write ``entries`` ((data or Path, name, mode) triples, all checked first) into ``out``.

    Built next to ``out`` and moved into place, so a failure leaves neither a partial zip nor a
    temporary file behind.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with replacing(out) as handle, zipfile.ZipFile(handle, "w") as archive:
        for source, name, mode in entries:
            _add(archive, source, name, mode)
    return out


def gradescope_entries(hidden_visibility: str = "visible") -> list:
    """Every file of Gradescope's autograder zip, as (data or Path, name, mode); checked first.
    ``hidden_visibility``: the hidden checks' visibility on Gradescope, kept in CONFIG."""
    from .results import VISIBILITIES

    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}, not "
                         f"{hidden_visibility!r}")
    entries = [(paths.require(paths.DEPLOY / script), script, 0o755) for script in SCRIPTS]
    entries.append((f"hidden_visibility={hidden_visibility}\n".encode(), CONFIG, 0o644))
    requirements = "".join(f"{r}\n" for r in runtime_requirements()).encode()
    entries.append((requirements, "requirements.txt", 0o644))
    for path in _package_modules():
        entries.append((path, f"autograder/{path.relative_to(paths.PACKAGE).as_posix()}", 0o644))
    for folder, base, patterns in GRADER_FILES:
        for path in _matching(base, patterns):
            entries.append((path, f"{folder}/{path.relative_to(base).as_posix()}", 0o644))
    for needed in (paths.SOLUTION, paths.STUB, paths.PUBLIC_TESTS, paths.SUITES / "conftest.py",
                   paths.PHOTO, *(paths.HIDDEN_DATA / name for name in paths.HIDDEN_IMAGES)):
        paths.require(needed)
    return entries


def build_gradescope(out, hidden_visibility: str = "visible") -> Path:
    """Write Gradescope's autograder zip: setup.sh, run_autograder, grading.conf (the hidden
    checks' visibility), requirements.txt, the project.

    Every input is checked before anything is written: a missing one raises ProjectFilesMissing.
    """
    return _write_zip(out, gradescope_entries(hidden_visibility))


# The grader's modules a student's release leaves out (relative to the package): the hidden
# suites, the capstone's scoring against the reference and the reference's loader, and the
# instructors' own tools. What is left runs `check` (and `compress`) with the student's install.
NOT_RELEASED = ("suites/", "batch/", "capstone.py", "reference.py", "stubgen.py", "otter.py",
                "packaging.py", "feedback.py", "similarity.py")


def engine_modules() -> list[Path]:
    """The grader's modules in a student's release: what ``check`` needs."""
    return [path for path in _package_modules()
            if not path.relative_to(paths.PACKAGE).as_posix().startswith(NOT_RELEASED)]


def build_release(out) -> Path:
    """Write the student release zip: kmeans-assignment/{assignment,data,autograder}/..."""
    entries = [(paths.require(base / name), f"kmeans-assignment/{folder}/{name}", 0o644)
               for folder, base, names in RELEASE_FILES for name in names]
    entries += [(path, f"kmeans-assignment/autograder/"
                       f"{path.relative_to(paths.PACKAGE).as_posix()}", 0o644)
                for path in engine_modules()]
    with tempfile.TemporaryDirectory() as folder:
        for path in otter.write_tests(Path(folder) / "otter_tests"):  # generated, never stored
            entries.append((path.read_bytes(),
                            f"kmeans-assignment/assignment/otter_tests/{path.name}", 0o644))
        return _write_zip(out, entries)

