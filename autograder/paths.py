"""Where the project's files are: the one place that finds them, in a clone or an installed wheel.

The repository keeps its rooms at the top (``assignment/``, ``solutions/``, ``data/``, beside the
``autograder/`` package). A wheel cannot put folders beside a package, so the build maps those
three into the package, under ``autograder/_project/`` (``pyproject.toml``: package-dir and
package-data). Everything is found from the package itself through ``importlib.resources``,
never from the working directory:

- ``ROOT`` is the folder holding ``assignment/``, ``solutions/`` and ``data/``: the clone's top
  folder (an editable install, or the tests), or ``autograder/_project`` in an installed wheel.
- ``PACKAGE`` is the ``autograder`` package's folder; the hidden suites (``suites/``) and the
  capstone's hidden images (``hidden_data/``) live inside it in both layouts.

Code that needs the hidden material's whereabouts (the sandbox, which must keep student code out
of it) asks :func:`hidden_roots`.
"""

import importlib.resources
from pathlib import Path

BUNDLE = "_project"  # the folder inside the package that holds the mapped top-level folders


class ProjectFilesMissing(RuntimeError):
    """A file the command needs is not where the package keeps it."""


def _package_folder() -> Path:
    found = importlib.resources.files(__package__)
    if not isinstance(found, Path):  # e.g. imported from a zip: pytest and the sandbox need files
        raise ProjectFilesMissing(f"the autograder package is not installed as plain files "
                                  f"({found}): install it with pip from the wheel")
    return found.resolve()


PACKAGE = _package_folder()
INSTALLED = (PACKAGE / BUNDLE).is_dir()  # a wheel's layout; otherwise a clone's
ROOT = PACKAGE / BUNDLE if INSTALLED else PACKAGE.parent

SOLUTIONS = ROOT / "solutions"
SOLUTION = SOLUTIONS / "kmeans.py"
ASSIGNMENT = ROOT / "assignment"
STUB = ASSIGNMENT / "kmeans.py"
PUBLIC_TESTS = ASSIGNMENT / "test_kmeans.py"
DATA = ROOT / "data"
PHOTO = DATA / "grace_hopper.png"
SUITES = PACKAGE / "suites"
HIDDEN_DATA = PACKAGE / "hidden_data"
HIDDEN_IMAGES = ("hidden_china.png", "hidden_flower.png")  # the capstone's, in HIDDEN_DATA
DEPLOY = ROOT / "deploy"  # the Gradescope/container scripts


GOLDEN = ROOT / "tests" / "golden"  # a clone's sample submissions, correct ones among them


def hidden_roots() -> list[Path]:
    """The folders holding hidden material, which student code must never see.

    The reference solution's folder, the hidden suites and the capstone's hidden images, as
    absolute paths, whether the package runs from a clone or from an installed wheel; in a clone
    also the golden submissions (correct solutions among them), which no wheel carries. They may
    sit inside a folder a sandbox mounts, such as site-packages: exclude each of them.
    """
    return [SOLUTIONS, SUITES, HIDDEN_DATA] + ([GOLDEN] if GOLDEN.is_dir() else [])


def grading_inputs(include_hidden: bool = True) -> list[Path]:
    """The files grading reads: the public tests and, unless only the public tests run (as in
    a student's release, which has no reference), the reference, the hidden suites and the
    hidden images."""
    needed = [PUBLIC_TESTS, ASSIGNMENT / "checks.py", STUB, DATA / "six_points.csv",
              DATA / "six_points_centroids.csv", PHOTO]
    if include_hidden:
        needed += [SOLUTION, SUITES / "conftest.py", *(HIDDEN_DATA / name for name in HIDDEN_IMAGES)]
    return needed


def require(path: Path) -> Path:
    """Return ``path`` if it exists, else raise ProjectFilesMissing saying what is missing."""
    if not path.exists():
        where = "the installed package" if INSTALLED else "this clone"
        raise ProjectFilesMissing(
            f"{path} is missing from {where}: reinstall the package (pip install "
            f"kmeans-assignment's wheel, or pip install -e . in a full clone)")
    return path
