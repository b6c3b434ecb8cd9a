"""The assignment named once: the graded functions, in order, with their points.

Grading, the results, the otter export, submission staging and the project's tests read the
functions from here. A check names the function it grades with ``@pytest.mark.function(name)``
(or a module's ``pytestmark``); its name, the first line of its docstring, starts with
``"<function>: "`` (the contract), and its points are ``@pytest.mark.points(n)``. The points of
every check of a function, public and hidden, add up to ``Function.points``: a test in
tests/test_results.py fails when they drift apart.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Function:
    """One graded function of the student's kmeans.py."""

    name: str
    points: int  # the points of all its checks, public and hidden together
    summary: str


FUNCTIONS = (
    Function("find_closest_centroids", 15, "the index of the nearest centroid for every example"),
    Function("compute_centroid_means", 14, "the mean of each cluster's examples"),
    Function("kmeans_init_centroids", 19, "K distinct rows of X drawn at random"),
    Function("compress_image", 18, "the capstone: an image in at most K colours"),
)
NAMES = tuple(function.name for function in FUNCTIONS)  # the order results are listed in
TOTAL_POINTS = sum(function.points for function in FUNCTIONS)

# How a check names its function and its points, read by both conftests and the grader.
MARKERS = (
    "function(name): the graded function this check is about (one of spec.NAMES)",
    "points(n): how many points the check is worth",
    "visibility(v): Gradescope visibility of the check (visible, hidden, after_due_date, "
    "after_published)",
)

