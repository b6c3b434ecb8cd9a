"""Notebook submissions: turned into a module inside the sandbox, graded exactly as the same code
in a kmeans.py; broken, huge and hostile notebooks get a verdict, never a fault."""

import json
import os
import subprocess
import sys
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder import batch, paths
from autograder.submission import MAX_NOTEBOOK_BYTES, SubmissionError, notebook

from conftest import GOLDEN, build  # noqa: E402


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
    assert "broken.ipynb could not be graded: broken.ipynb is not a valid notebook" in \
        results["output"]

    with pytest.raises(SubmissionError, match="clear its outputs"):
        notebook(b" " * (MAX_NOTEBOOK_BYTES + 1), "huge.ipynb")
    huge = tmp_path / "huge.ipynb"
    huge.write_bytes(b" " * (MAX_NOTEBOOK_BYTES + 1))
    assert "more than the" in grade(huge, tmp_path / "c.json")["output"]

    bad_cell = tmp_path / "bad.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(
        "def find_closest_centroids(X, C)\n    return X")]), bad_cell)
    assert ("bad.ipynb, the 1st code cell, line 1: a syntax error (expected ':') in the cell "
            "that defines find_closest_centroids") in grade(bad_cell, tmp_path / "d.json")["output"]


def test_batch_grades_a_notebook_beside_a_file(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    student_notebook(folder / "nora.ipynb", "correct_broadcast.py")
    (tmp_path / "b").mkdir()
    build("correct_broadcast.py", tmp_path / "b").rename(folder / "finn.py")
    outcomes, _ = batch.run(folder, tmp_path / "out", jobs=2, progress_stream=open(os.devnull, "w"))
    assert [(o.student, o.status) for o in outcomes] == [("finn", "graded"), ("nora", "graded")]
    assert outcomes[0].score == outcomes[1].score == outcomes[0].max_score


def notebook_of(path, *cells):
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), path)
    return path


def test_the_reference_split_over_cells_scores_what_the_file_scores(tmp_path):
    """Honest notebooks lose nothing: module constants that are not plain literals, a settings
    dict filled by item, helpers, each in its own cell, and analysis around them."""
    source = paths.SOLUTION.read_text()
    cells = [f"{block}\n" for block in source.split("\n\n\n") if block.strip()]
    cells.insert(2, "settings = {}\nsettings['K'] = 16\nX = np.loadtxt('no-such-file.csv')")
    cells.append("plt.imshow(compress_image(original, 16))\nprint('done')")
    results = grade(notebook_of(tmp_path / "ref.ipynb", *cells), tmp_path / "n.json")
    assert results["score"] == sum(t["max_score"] for t in results["tests"]), [
        t["output"] for t in results["tests"] if t["score"] < t["max_score"]]
    # The analysis assignment that could not run changed no score: a passing grade says nothing
    # of it.
    shown = "\n".join([results["output"], *(t["output"] for t in results["tests"])])
    assert "Graded ref.ipynb." in results["output"]  # the line naming what was graded
    shown = shown.replace("Graded ref.ipynb.", "")
    assert "ref.ipynb" not in shown and "dropped" not in shown, results["output"]


def test_a_version_3_notebook_is_read(tmp_path):
    """nbformat upgrades older notebooks: version 3 keeps its cells in worksheets."""
    code = golden_functions("correct_broadcast.py")
    old = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": "import numpy as np", "language": "python",
         "outputs": [], "metadata": {}},
        {"cell_type": "code", "input": code, "language": "python", "outputs": [],
         "metadata": {}}], "metadata": {}}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(old))
    results = grade(path, tmp_path / "v3.json")
    assert results["extra_data"]["status"] == "graded"
    assert results["score"] == sum(t["max_score"] for t in results["tests"])


def test_errors_point_at_the_students_cell(tmp_path):
    """A graded function that raises names the notebook's cell and line, not a generated file."""
    path = notebook_of(tmp_path / "mine.ipynb", "import numpy as np",
                       "def find_closest_centroids(X, centroids):\n    x = 1\n"
                       "    return undefined_name")
    results = grade(path, tmp_path / "e.json")
    first = next(t for t in results["tests"] if t["name"].startswith("find_closest_centroids"))
    assert ("raised NameError: name 'undefined_name' is not defined (mine.ipynb, the 2nd code "
            "cell, line 3)") in first["output"]


def test_cells_are_named_as_jupyter_shows_them(tmp_path):
    """A run notebook's cells are cited by their In [n], whatever markdown cells lie between;
    a syntax error is cited the same way."""
    cells = [new_markdown_cell("# Mine"), new_code_cell("import numpy as np", execution_count=4),
             new_markdown_cell("## Step 1"),
             new_code_cell("def find_closest_centroids(X, centroids):\n    return nothing",
                           execution_count=7)]
    path = tmp_path / "ran.ipynb"
    nbformat.write(new_notebook(cells=cells), path)
    results = grade(path, tmp_path / "r.json")
    first = next(t for t in results["tests"] if t["name"].startswith("find_closest_centroids"))
    assert "(ran.ipynb, In [7], line 2)" in first["output"]
    cells[3].source = "def find_closest_centroids(X, centroids)\n    return X"
    nbformat.write(new_notebook(cells=cells), path)
    assert "ran.ipynb, In [7], line 1: a syntax error" in grade(path, tmp_path / "s.json")["output"]


def test_a_dropped_assignment_is_explained_only_where_it_costs_points(tmp_path):
    """A module constant computed from a file the grader does not have is dropped; the check of
    the function that uses it says why, at the line to fix, and no other output mentions it."""
    path = notebook_of(tmp_path / "mine.ipynb", "import numpy as np",
                       golden_functions("correct_broadcast.py"),
                       "OFFSET = np.loadtxt('my_data.csv').min() * 0",
                       "def compute_centroid_means(X, idx, K):\n"
                       "    return np.array([X[idx == k].mean(axis=0) + OFFSET "
                       "for k in range(K)])",
                       "X = np.loadtxt('my_data.csv')")
    results = grade(path, tmp_path / "d.json")
    failed = [t for t in results["tests"] if t["score"] < t["max_score"]]
    assert failed and all(t["name"].startswith(("compute_centroid_means", "compress_image"))
                          for t in failed), [t["name"] for t in failed]
    means = [t for t in failed if t["name"].startswith("compute_centroid_means")][0]
    assert ("mine.ipynb, the 3rd code cell, line 1 would define OFFSET, but it raised "
            "FileNotFoundError when the grader ran your notebook") in means["output"]
    others = [t["output"] for t in results["tests"] if t not in failed] + [
        results["output"].replace("Graded mine.ipynb.", "")]  # the line naming what was graded
    assert not any("mine.ipynb" in text for text in others)


@pytest.mark.parametrize("attack", ["huge_cell", "deep_expression", "deep_json",
                                    "source_not_text", "analysis_only_code"])
def test_hostile_notebooks_get_a_verdict(tmp_path, attack):
    """What a notebook holds is parsed only inside the sandbox: each of these is a verdict for
    the student, and the grader stays small and never fails."""
    path = tmp_path / f"{attack}.ipynb"
    if attack == "huge_cell":
        notebook_of(path, "x = 1\n" + "y = 2\n" * 2_800_000)
    elif attack == "deep_expression":
        notebook_of(path, "def find_closest_centroids(X, c):\n    return " + "(" * 100_000 +
                    ")" * 100_000)
    elif attack == "deep_json":
        path.write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    elif attack == "source_not_text":
        path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                    "cells": [{"cell_type": "code", "source": [1, 2],
                                               "metadata": {}, "outputs": [],
                                               "execution_count": None}]}))
    else:
        notebook_of(path, "import os\nos.system('echo hi')\nfor i in range(10**9):\n    pass")
    done = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(path), "--out",
                             str(tmp_path / "r.json")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    stdout, stderr = done.communicate(timeout=300)
    assert done.returncode == 0, stderr
    assert "Traceback" not in stdout + stderr
    results = json.loads((tmp_path / "r.json").read_text())
    assert results["score"] == 0
    assert results["extra_data"]["status"] == "unreadable", results["output"]
    assert f"{attack}.ipynb" in results["output"]
