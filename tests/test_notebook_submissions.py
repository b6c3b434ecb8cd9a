"""Notebook submissions: graded exactly as the same code in a kmeans.py."""

import json
import os
import subprocess
import sys
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder import batch, paths
from autograder.submission import MAX_NOTEBOOK_BYTES, SubmissionError, notebook_source

sys.path.insert(0, str(paths.ROOT / "tests"))
from test_golden import GOLDEN, build  # noqa: E402


def golden_functions(name):
    """A golden file's own code, without its header comments."""
    lines = (GOLDEN / name).read_text().splitlines()
    return "\n".join(line for line in lines if not line.startswith("# "))


def student_notebook(path, golden):
    """A notebook as a student hands it in: magics, shell lines, and analysis cells that must
    never run (an endless loop, an exit) around the cell with the functions."""
    cells = [
        new_markdown_cell("# My K-means"),
        new_code_cell("%matplotlib inline\n!pip install nothing\nimport numpy as np\n"
                      "from kmeans import run_kmeans"),
        new_code_cell(golden_functions("correct_broadcast.py")),
        new_code_cell("while True:\n    pass"),
        new_code_cell(golden_functions(golden)),
        new_code_cell("import sys\nsys.exit('analysis')\nidx = find_closest_centroids(X, C)"),
    ]
    nbformat.write(new_notebook(cells=cells), path)
    return path


def grade(path, out):
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(path), "--out",
                           str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


@pytest.mark.parametrize("wrapper", ["alone", "folder", "zip"])
def test_notebook_grades_like_the_same_code_in_kmeans_py(tmp_path, wrapper):
    as_file = grade(build("closest_ties_last.py", tmp_path), tmp_path / "file.json")
    notebook = student_notebook(tmp_path / "work.ipynb", "closest_ties_last.py")
    if wrapper == "folder":
        (tmp_path / "folder").mkdir()
        notebook = notebook.rename(tmp_path / "folder" / "kmeans.ipynb").parent
    elif wrapper == "zip":
        with zipfile.ZipFile(tmp_path / "sub.zip", "w") as z:
            z.write(notebook, "student/kmeans.ipynb")
        notebook = tmp_path / "sub.zip"
    as_notebook = grade(notebook, tmp_path / "notebook.json")
    assert as_notebook["tests"] == as_file["tests"]
    assert 0 < as_notebook["score"] < sum(t["max_score"] for t in as_notebook["tests"])


def test_notebook_without_functions_broken_or_huge_is_explained(tmp_path):
    only_imports = tmp_path / "imports.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("from kmeans import *\nX = 1")]),
                   only_imports)
    results = grade(only_imports, tmp_path / "a.json")
    assert results["score"] == 0 and "defines none of the graded functions" in results["output"]

    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [')
    results = grade(broken, tmp_path / "b.json")
    assert "not a valid notebook: its JSON is broken at line 1" in results["output"]

    with pytest.raises(SubmissionError, match="clear its outputs"):
        notebook_source(b" " * (MAX_NOTEBOOK_BYTES + 1), "huge.ipynb")
    huge = tmp_path / "huge.ipynb"
    huge.write_bytes(b" " * (MAX_NOTEBOOK_BYTES + 1))
    assert "more than the" in grade(huge, tmp_path / "c.json")["output"]

    bad_cell = tmp_path / "bad.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(
        "def find_closest_centroids(X, C)\n    return X")]), bad_cell)
    assert "which defines find_closest_centroids, has a syntax error" in grade(
        bad_cell, tmp_path / "d.json")["output"]


def test_batch_grades_a_notebook_beside_a_file(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    student_notebook(folder / "nora.ipynb", "correct_broadcast.py")
    (tmp_path / "b").mkdir()
    build("correct_broadcast.py", tmp_path / "b").rename(folder / "finn.py")
    outcomes, _ = batch.run(folder, tmp_path / "out", jobs=2, progress_stream=open(os.devnull, "w"))
    assert [(o.student, o.status) for o in outcomes] == [("finn", "graded"), ("nora", "graded")]
    assert outcomes[0].score == outcomes[1].score == outcomes[0].max_score
