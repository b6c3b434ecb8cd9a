"""The walkthrough notebook: shipped clean, runs top to bottom, stops kindly on the stub."""

import shutil

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder import paths

NOTEBOOK = paths.ASSIGNMENT / "kmeans.ipynb"
GRADED = ("find_closest_centroids", "compute_centroid_means", "kmeans_init_centroids",
          "compress_image")


def run_notebook(tmp_path, kmeans_source):
    """Execute the notebook beside a given kmeans.py, with the data where it expects it."""
    folder = tmp_path / "assignment"
    folder.mkdir()
    shutil.copy(NOTEBOOK, folder / "kmeans.ipynb")
    shutil.copy(kmeans_source, folder / "kmeans.py")
    (tmp_path / "data").symlink_to(paths.DATA, target_is_directory=True)
    notebook = nbformat.read(folder / "kmeans.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    return notebook, client


def test_shipped_notebook_has_no_outputs_and_no_solution():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    text = NOTEBOOK.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "_BLOCK_ENTRIES" not in text
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert not any(f"def {name}(" in cell.source for name in GRADED)
    assert "from kmeans import" in notebook.cells[1].source
    headings = [line for c in notebook.cells if c.cell_type == "markdown"
                for line in c.source.splitlines() if line.startswith("#")]
    for section in ("### 1.1", "### 1.2", "## 2", "## 3", "### 4.1", "### 4.2", "### 4.3"):
        assert any(h.startswith(section) for h in headings), section


def test_notebook_runs_top_to_bottom_on_the_reference(tmp_path):
    notebook, client = run_notebook(tmp_path, paths.SOLUTION)
    client.execute()
    figures = sum("image/png" in out.get("data", {})
                  for cell in notebook.cells for out in cell.get("outputs", []))
    assert figures >= 5
    text = "".join(out.get("text", "") for cell in notebook.cells for out in cell.get("outputs", []))
    assert "find_closest_centroids: the six-point sample is right" in text
    assert "compute_centroid_means: the six-point sample is right" in text
    assert "times smaller" in text
    assert not any(out.get("output_type") == "error"
                   for cell in notebook.cells for out in cell.get("outputs", []))


def test_notebook_stops_at_the_first_graded_cell_on_the_stub(tmp_path):
    notebook, client = run_notebook(tmp_path, paths.STUB)
    with pytest.raises(CellExecutionError) as caught:
        client.execute()
    assert "find_closest_centroids is not implemented yet" in str(caught.value)
    failed = [i for i, c in enumerate(notebook.cells)
              if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert failed and "find_closest_centroids(X, initial_centroids)" in notebook.cells[failed[0]].source


def test_the_notebook_says_to_edit_kmeans_py_and_hand_it_in_as_the_readme_does():
    """One way to submit: kmeans.py. The notebook writes no function itself; each graded
    function's section says to edit it in kmeans.py, then run the cells."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert "hand in `kmeans.py`, not this notebook" in markdown[0]
    for name in GRADED:
        assert any(f"**Edit `{name}" in text and "in `kmeans.py`, then run" in text
                   for text in markdown), name
    readme = (paths.ASSIGNMENT / "README.md").read_text(encoding="utf-8")
    assert "**What you hand in: `kmeans.py`, and only it.**" in readme
    assert "The notebook is for\nexploring, not for handing in" in readme
