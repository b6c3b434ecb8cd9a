"""Hidden checks of compress_image, the capstone: validity first, then distortion."""

import numpy as np
import pytest

from autograder import capstone
from autograder.suites.support import (expect_array, expect_closer_than_mean_colour, fail,
                                       reply_of)
from checks import call

NAME = "compress_image"
pytestmark = pytest.mark.function(NAME)


@pytest.fixture(scope="module")
def outputs(student, pytestconfig):
    """The student's compress_image on every hidden case, run once: {case: array or message}."""
    return run_cases(student, getattr(pytestconfig, "kmeans_artifacts", None))


def run_cases(student, artifacts=None) -> dict:
    """Run compress_image on every hidden case: {case: valid output, or why it is not valid}.

    An output is valid when it is an (H, W, 3) uint8 array with at most K colours, closer to the
    image than the image's mean colour, and the image was not modified. With ``artifacts`` (a
    dict), the first seed's valid outputs are kept there for the feedback page.
    """
    if hasattr(student, "time_limits"):
        student.time_limits[NAME] = capstone.CALL_SECONDS
    results = {}
    for name, K, seed in capstone.cases():
        image = capstone.images()[name]
        try:
            out = call(student, NAME, image, K, capstone.MAX_ITERS, seed)
            expect_array(NAME, out, image.shape, "uint8", "the compressed image")
            colours = len(np.unique(out.reshape(-1, 3), axis=0))
            if colours > K:
                fail(f"{NAME}: with K = {K} the compressed image must have at most {K} colours, "
                     f"but it has {colours}.")
            expect_closer_than_mean_colour(NAME, image, out, K, "the image")
            reply = reply_of(student)
            if reply and reply.modified:
                fail(f"{NAME} changed its argument image: the caller's image must not be "
                     f"modified.")
        except pytest.fail.Exception as failure:
            out = str(failure.msg) if hasattr(failure, "msg") else str(failure)
        results[(name, K, seed)] = out
        if artifacts is not None and seed == capstone.SEEDS[0] and not isinstance(out, str):
            artifacts[capstone.artifact_key(name, K)] = out
    return results


def describe_case(name, K):
    h, w = capstone.images()[name].shape[:2]
    return f"hidden image {capstone.IMAGES.index(name) + 1} ({h} x {w}), K = {K}"


@pytest.mark.points(4)
def test_valid_output(outputs):
    """compress_image: valid outputs: (H, W, 3) uint8, at most K colours, closer than the mean colour, image unchanged

    An output counts as valid only when it is also closer to the image than the image's mean
    colour, so that a constant or random image earns nothing.
    """
    for (name, K, seed), out in outputs.items():
        if isinstance(out, str):
            fail(f"On {describe_case(name, K)} (seed {seed}): {out}")


@pytest.mark.points(10)
def test_distortion(outputs, record_property):
    """compress_image: distortion close to the reference's on hidden images"""
    invalid = [case for case, out in outputs.items() if isinstance(out, str)]
    if invalid:
        record_property("fraction", 0.0)
        fail(f"{NAME}: distortion is graded only on valid outputs, and {len(invalid)} of "
             f"{len(outputs)} outputs were not valid (see the check above).")
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
    record_property("fraction", fraction)
    record_property("message", "\n".join(lines + [summary]))
    if fraction < 1:
        fail(f"{NAME}: the compressed images are further from the originals than the "
             f"reference's:\n" + "\n".join(lines + [summary]) + "\nCheck the scaling to [0, 1] "
             f"and back (the initial centroids' too), that every iteration runs, and that pixels "
             f"get their centroid's colour.")
