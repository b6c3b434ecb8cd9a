"""Build the two zips that leave the project: Gradescope's autograder, and the student release.

``gradescope``: Gradescope unzips the autograder into /autograder/source, runs ``setup.sh`` once
to build the image, then ``run_autograder`` for each submission (the student's files are in
/autograder/submission; the results go to /autograder/results/results.json). Both scripts take
the root from AUTOGRADER_ROOT (default /autograder), so they can be tried in a folder.

``release``: exactly what students get: the stub, the public tests and their helpers, the
instructions, the data, the notebook, and the public tests as otter-grader test files. Never the
reference, the hidden suites or the hidden images.
"""

import os
import stat
import tempfile
import zipfile
from pathlib import Path

from . import otter, paths

# What a student gets, relative to the project root.
RELEASE_FILES = [
    "assignment/kmeans.py", "assignment/README.md", "assignment/test_kmeans.py",
    "assignment/checks.py", "assignment/conftest.py", "assignment/kmeans.ipynb",
    "data/six_points.csv", "data/six_points_centroids.csv", "data/three_clusters.csv",
    "data/grace_hopper.png", "data/CREDITS.md",
]

# What the grader needs on Gradescope, relative to the project root (folders taken whole).
GRADER_FILES = ["pyproject.toml", "README.md", "autograder", "solutions", "assignment", "data"]
EXCLUDED_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder image.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive
if ! command -v bwrap >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq bubblewrap python3 python3-venv python3-pip >/dev/null
fi
PYTHON=python3
for candidate in python3.13 python3.12 python3.11; do
  if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
done
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  apt-get update -qq && apt-get install -y -qq python3.11 python3.11-venv >/dev/null
  PYTHON=python3.11
fi
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install -q -e "$ROOT/source"
echo "autograder installed with $("$ROOT/venv/bin/python" --version)"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for each submission: grade /autograder/submission, write the results.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
mkdir -p "$ROOT/results"
cd "$ROOT/source"
"$ROOT/venv/bin/python" -m autograder grade "$ROOT/submission" \
  --out "$ROOT/results/results.json"
"""


def _add(archive: zipfile.ZipFile, source: Path, name: str, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible zips
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, source.read_bytes() if isinstance(source, Path) else source)


def _files(relative: str):
    top = paths.ROOT / relative
    if top.is_file():
        yield top
        return
    for path in sorted(top.rglob("*")):
        if path.is_file() and not path.is_symlink() and not EXCLUDED_PARTS.intersection(path.parts):
            yield path


def build_gradescope(out) -> Path:
    """Write Gradescope's autograder zip: setup.sh, run_autograder and the project."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(temporary, "w") as archive:
        _add(archive, SETUP_SH.encode(), "setup.sh", 0o755)
        _add(archive, RUN_AUTOGRADER.encode(), "run_autograder", 0o755)
        for relative in GRADER_FILES:
            for path in _files(relative):
                _add(archive, path, path.relative_to(paths.ROOT).as_posix())
    os.replace(temporary, out)
    return out


def build_release(out) -> Path:
    """Write the student release zip: kmeans-assignment/{assignment,data}/..."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(temporary, "w") as archive, tempfile.TemporaryDirectory() as folder:
        for relative in RELEASE_FILES:
            path = paths.ROOT / relative
            if path.is_file():
                _add(archive, path, f"kmeans-assignment/{relative}")
        for path in otter.write_tests(Path(folder) / "otter_tests"):  # generated, never stored
            _add(archive, path, f"kmeans-assignment/assignment/otter_tests/{path.name}")
    os.replace(temporary, out)
    return out


def unzip_with_modes(archive: Path, folder: Path) -> None:
    """Extract one of our own zips keeping the executable bits (zipfile drops them)."""
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            target = folder / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                target.chmod(mode)
