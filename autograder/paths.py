"""Where the project's files are, found relative to this package (never the working directory)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "kmeans.py"
STUB = ROOT / "assignment" / "kmeans.py"
ASSIGNMENT = ROOT / "assignment"
DATA = ROOT / "data"
PHOTO = DATA / "grace_hopper.png"


class ProjectFilesMissing(RuntimeError):
    """The package was installed without the project folders beside it."""


def require(path: Path) -> Path:
    """Return ``path`` if it exists, else raise ProjectFilesMissing with a fix."""
    if not path.exists():
        raise ProjectFilesMissing(
            f"{path} is missing. The autograder works from a clone of the project: "
            f"install it with `pip install -e .` from the clone's top folder.")
    return path
