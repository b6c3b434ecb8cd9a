"""Shared fixtures and helpers for the project's own tests.

Golden submissions: each file in tests/golden/ says in its header what it is and what it must
score (``header`` reads it, ``build`` makes the kmeans.py to grade):

    # golden: what the submission does
    # base: correct_broadcast.py     graded on top of that file (else on the stub alone)
    # standalone                     graded as it is, without the stub
    # expect: find_closest_centroids=full compute_centroid_means=0 ...   (full, 0, <full, or a number: exactly those points)
    # fails: <test name>             this check must be among those that fail
    # status: unreadable             the results' status
    # says: <text>                   a message the student must be shown (in some output)
    # never: <path>                  a file that must not exist after grading (~ is home,
                                     PROJECT the project; @PROJECT@ in the code is replaced too)
    # score: <n>/<of>                the total it must get (tests/test_results.py)

Unless standalone, a golden is graded as the student stub followed by its base and itself, the
way a student's file is the stub with functions filled in: a later definition replaces an
earlier one.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import paths  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "golden"
FILES = sorted(p.name for p in GOLDEN.glob("*.py"))


def header(path: Path) -> dict:
    spec = {"expect": {}, "fails": [], "says": [], "never": [], "base": None,
            "standalone": False, "status": "graded", "what": ""}
    for raw in path.read_bytes().decode("utf-8", "replace").splitlines():
        if not raw.startswith("# "):
            break
        key, _, value = raw[2:].partition(":")
        key, value = key.strip(), value.strip()
        if key == "expect":
            spec["expect"] = dict(item.split("=") for item in value.split())
        elif key in ("fails", "says"):
            spec[key].append(value)
        elif key == "never":
            spec[key].append(os.path.expanduser(value.replace("PROJECT", str(paths.ROOT))))
        elif key == "golden" and not spec["what"]:
            spec["what"] = value
        elif key in ("base", "status"):
            spec[key] = value
        elif key == "standalone":
            spec["standalone"] = True
    return spec


def build(name: str, folder: Path) -> Path:
    spec = header(GOLDEN / name)
    parts = [] if spec["standalone"] else [paths.STUB.read_bytes()]
    if spec["base"]:
        parts.append((GOLDEN / spec["base"]).read_bytes())
    parts.append((GOLDEN / name).read_bytes().replace(b"@PROJECT@", str(paths.ROOT).encode()))
    target = folder / "kmeans.py"
    target.write_bytes(b"\n\n".join(parts))
    return target


VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FUNCTIONS = ("find_closest_centroids", "compute_centroid_means", "kmeans_init_centroids",
             "compress_image")


def assert_gradescope_schema(results):
    """Gradescope's results.json: a numeric score and tests with the documented fields."""
    assert isinstance(results["score"], (int, float))
    assert results.get("visibility", "visible") in VISIBILITY
    assert results.get("stdout_visibility", "hidden") in VISIBILITY
    assert isinstance(results["output"], str)
    names = [t["name"] for t in results["tests"]]
    assert len(names) == len(set(names)), "test names must be unique"
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "output", "visibility"}, test
        assert test["name"].split(":")[0] in FUNCTIONS, test["name"]
        assert 0 <= test["score"] <= test["max_score"] and test["visibility"] in VISIBILITY
        assert isinstance(test["output"], str) and test["output"]
    assert abs(results["score"] - sum(t["score"] for t in results["tests"])) < 1e-6




@pytest.fixture(scope="session")
def ref():
    """The reference solution module."""
    from autograder import reference

    return reference.load()
