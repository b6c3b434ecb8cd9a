"""Hidden checks of compress_image, the capstone: validity, the image kept, then distortion.

The capstone is graded on compress_image's own work. It runs twice, in a worker of its own that
nothing else uses (so nothing it leaves in the worker reaches another check): with the student's
own helpers (end to end), and with the reference's find_closest_centroids,
compute_centroid_means and kmeans_init_centroids answering, from the grader, for the student's
module-level ones (call-backs, autograder/capstone.py). Every check is graded on the run that
scores more over all three (the student's own on a tie). When that is the reference-helper run,
the checks it did better on say so, and name the helpers (the plugin adds which of them fail
their own checks: a helper's mistake is reported at the helper).
"""

import numpy as np
import pytest

from autograder import capstone, imaging
from autograder.grading.plugin import HELPERS_PROPERTY  # the plugin words its note (checks.py)
from autograder.suites.support import (expect_array, expect_closer_than_mean_colour, fail,
                                       reply_of)
from checks import call

NAME = "compress_image"
pytestmark = pytest.mark.function(NAME)
FULL = capstone.VALID_POINTS + capstone.KEPT_POINTS + capstone.DISTORTION_POINTS


class Run:
    """One run of compress_image over every hidden case: ``outputs`` {case: its valid output,
    or why it is not valid}, ``kept`` {case: whether the image came back unchanged},
    ``helpers`` the reference helpers it called (the reference-helper run only), ``own`` the
    student's own run, when this reference-helper run beat it."""

    def __init__(self, outputs: dict, kept: dict | None = None):
        self.outputs, self.kept = outputs, kept if kept is not None else {}
        self.helpers, self.own = (), None
        self.kinds = {}  # case -> how its output is not valid (a kind of checks.HIDDEN_KINDS)

    def items(self):
        return self.outputs.items()

    def values(self):
        return self.outputs.values()

    def __len__(self):
        return len(self.outputs)

    @property
    def all_valid(self) -> bool:
        return not any(isinstance(out, str) for out in self.outputs.values())

    def scores(self) -> dict:
        """Each check's points on this run: {"valid": ..., "kept": ..., "distortion": ...}."""
        valid = self.all_valid
        return {"valid": capstone.VALID_POINTS * valid,
                "kept": capstone.KEPT_POINTS * (valid and all(self.kept.values())),
                "distortion": capstone.DISTORTION_POINTS * (distortion_credit(self)[0]
                                                            if valid else 0.0)}

    def total(self) -> float:
        return sum(self.scores().values())


@pytest.fixture(scope="module")
def outputs(student, pytestconfig):
    """The run every check grades: the better of the student's own and the reference-helper
    run (see the module docstring), both in a worker of the capstone's own."""
    artifacts = getattr(pytestconfig, "kmeans_artifacts", None)
    separate = getattr(student, "separate", None)
    if separate is None:  # a stand-in student (the project's tests): one run, as given
        return run_cases(student, artifacts)
    with separate() as alone:
        own = run_cases(alone, artifacts)
        if own.total() >= FULL:  # nothing to gain: the second run is not needed
            return own
        with alone.answering(capstone.helper_call_backs()) as helped:
            theirs = run_cases(helped, None)
            theirs.helpers = tuple(sorted(helped.call_backs.calls))
    return better(own, theirs)


def better(own: Run, theirs: Run) -> Run:
    """The run graded: the reference-helper run if it scores more, else the student's own."""
    if theirs.helpers and theirs.total() > own.total():
        theirs.own = own
        return theirs
    return own


def run_cases(student, artifacts=None) -> Run:
    """Run compress_image on every hidden case: each valid output, or why it is not valid.

    An output is valid when it is an (H, W, 3) uint8 array with at most K colours, closer to the
    image than the image's mean colour. Whether the image came back unchanged is kept apart
    (a check of its own). With ``artifacts`` (a dict), the first seed's valid outputs are kept
    there for the feedback page.
    """
    if hasattr(student, "time_limits"):
        student.time_limits[NAME] = capstone.CALL_SECONDS
    run = Run({})
    for name, K, seed in capstone.cases():
        image = capstone.images()[name]
        try:
            out = call(student, NAME, image, K, capstone.MAX_ITERS, seed)
            reply = reply_of(student)
            run.kept[(name, K, seed)] = not (reply and reply.modified)
            expect_array(NAME, out, image.shape, "uint8", "the compressed image")
            colours = imaging.count_colours(out)  # out is an (H, W, 3) uint8 array here
            if colours > K:
                fail(f"{NAME}: with K = {K} the compressed image must have at most {K} colours, "
                     f"but it has {colours}.", "colours")
            expect_closer_than_mean_colour(NAME, image, out, K, "the image")
        except pytest.fail.Exception as failure:
            out = str(failure.msg) if hasattr(failure, "msg") else str(failure)
            run.kinds[(name, K, seed)] = getattr(failure, "kind", None)
        run.outputs[(name, K, seed)] = out
        if artifacts is not None and seed == capstone.SEEDS[0] and not isinstance(out, str):
            artifacts[capstone.artifact_key(name, K)] = out
    return run


def describe_case(name, K):
    h, w = capstone.images()[name].shape[:2]
    return f"hidden image {capstone.IMAGES.index(name) + 1} ({h} x {w}), K = {K}"


def note_helpers(outputs: Run, check: str, record_property) -> None:
    """On a check the reference-helper run did better on than the student's own, record the
    helpers that stood in (the plugin names those that fail their own checks)."""
    if outputs.own is not None and outputs.scores()[check] > outputs.own.scores()[check]:
        record_property(HELPERS_PROPERTY, list(outputs.helpers))


def distortion_credit(outputs: Run):
    """(fraction of the distortion points, the lines that explain it, the summary line)."""
    ref = capstone.reference_distortions()
    mine = {case: capstone.distortion(capstone.images()[case[0]], out)
            for case, out in outputs.items()}
    by_case = capstone.ratios(mine, ref)
    overall = capstone.overall_ratio(by_case)
    fraction = capstone.credit(overall)
    lines = [f"{describe_case(name, K)}: your median distortion "
             f"{np.median([mine[(name, K, s)] for s in capstone.SEEDS]):.5f}, reference "
             f"{np.median([ref[(name, K, s)] for s in capstone.SEEDS]):.5f} (ratio {r:.3f})"
             for (name, K), r in by_case.items()]
    summary = (f"Overall ratio {overall:.3f} (geometric mean): full credit up to "
               f"{capstone.FULL_CREDIT_RATIO}, none from {capstone.ZERO_CREDIT_RATIO}; "
               f"{fraction:.0%} of the points.")
    return fraction, lines, summary


@pytest.mark.points(capstone.VALID_POINTS)
def test_valid_output(outputs, record_property):
    """compress_image: valid outputs: (H, W, 3) uint8, at most K colours, closer than the mean colour

    An output counts as valid only when it is also closer to the image than the image's mean
    colour, so that a constant or random image earns nothing.
    """
    note_helpers(outputs, "valid", record_property)
    for (name, K, seed), out in outputs.items():
        if isinstance(out, str):
            fail(f"On {describe_case(name, K)} (seed {seed}): {out}",
                 outputs.kinds.get((name, K, seed)) or "values")


@pytest.mark.points(capstone.KEPT_POINTS)
def test_image_not_modified(outputs, record_property):
    """compress_image: the image is not modified"""
    note_helpers(outputs, "kept", record_property)
    if not outputs.all_valid:
        fail(f"{NAME}: not every output was valid (see the check of valid outputs), and this "
             f"check, the image unchanged, gives its point only with valid outputs.",
             "needs valid outputs")
    changed = [case for case, kept in outputs.kept.items() if not kept]
    if changed:
        name, K, seed = changed[0]
        fail(f"{NAME} changed its argument image (on {describe_case(name, K)}, seed {seed}, and "
             f"{len(changed) - 1} other calls): the caller's image must not be modified; work on "
             f"a copy (image.reshape gives a view, and `pixels /= 255` on it writes into the "
             f"image).", "modified")


@pytest.mark.points(capstone.DISTORTION_POINTS)
def test_distortion(outputs, record_property):
    """compress_image: distortion close to the reference's on hidden images"""
    note_helpers(outputs, "distortion", record_property)
    invalid = [case for case, out in outputs.items() if isinstance(out, str)]
    if invalid:
        record_property("fraction", 0.0)
        fail(f"{NAME}: distortion is graded only on valid outputs, and {len(invalid)} of "
             f"{len(outputs)} outputs were not valid (see the check above).",
             "needs valid outputs")
    fraction, lines, summary = distortion_credit(outputs)
    record_property("fraction", fraction)
    record_property("message", "\n".join(lines + [summary]))
    if fraction < 1:
        fail(f"{NAME}: the compressed images are further from the originals than the "
             f"reference's:\n" + "\n".join(lines + [summary]) + "\nCheck the scaling to [0, 1] "
             f"and back (the initial centroids' too), that every iteration runs, and that pixels "
             f"get their centroid's colour.", "distortion")
