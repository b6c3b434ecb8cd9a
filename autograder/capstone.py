"""The capstone's grading: compress_image on hidden images, scored on distortion.

The student's ``compress_image`` runs on every hidden image, at every K, with every seed. An
output must first be valid (an ndarray of the image's shape, uint8, at most K colours, the image
unchanged, and closer to the image than painting it its mean colour: the reference's worst
output over 200 seeds per image and K is at 0.132 of that bar, a constant image at 1.0). Its
distortion (mean squared error against the original on the [0, 1] scale) is then compared with
the reference's on the same image, K and seeds: for each (image, K), the ratio of the student's
median distortion over the seeds to the reference's median. The score uses the geometric mean R
of those ratios:

    R <= FULL_CREDIT_RATIO          full credit
    R >= ZERO_CREDIT_RATIO          no credit
    in between                      linear in log R

The two ratios come from ``benchmarks/calibrate_capstone.py``: correct implementations with any
valid initialisation must get full credit in at least 99.9% of seed sets, and a random codebook
(no K-means iterations) must get clearly less. Its run for the values below (1000 seeds per
image and K, 100,000 simulated seed sets):

    submission                            R p50  R p99.9  full credit  mean credit
    correct, any valid initialisation     1.000    1.275       99.97%        1.000
    one iteration only                    1.385    2.110       27.52%        0.871
    random codebook (no iterations)       2.686    6.821        0.00%        0.053
"""

import functools
import inspect
import math
from pathlib import Path

import numpy as np
from PIL import Image

from . import paths, reference, sandbox
from .imaging import distortion  # the one definition: mean squared error on the [0, 1] scale

HIDDEN = paths.HIDDEN_DATA
IMAGES = paths.HIDDEN_IMAGES
KS = (4, 8)
SEEDS = (11, 22, 33)
MAX_ITERS = 10
FULL_CREDIT_RATIO = 1.30
ZERO_CREDIT_RATIO = 2.5
CALL_SECONDS = 30.0
# The capstone's points: its checks' in its hidden suite (the public tests hold the rest).
VALID_POINTS, KEPT_POINTS, DISTORTION_POINTS = 3, 1, 10
# The helpers whose reference answers for the student's in the capstone's second run, and the
# bounds on what one compress_image call may ask of them (a correct one asks 2 * MAX_ITERS + 2).
HELPERS = ("find_closest_centroids", "compute_centroid_means", "kmeans_init_centroids")
MOST_HELPER_CALLS = 20 * MAX_ITERS
MOST_CENTROIDS = 256


@functools.cache
def images() -> dict:
    """The hidden images by name, as (H, W, 3) uint8 arrays."""
    loaded = {}
    for name in IMAGES:
        with Image.open(paths.require(HIDDEN / name)) as im:
            loaded[name] = np.array(im.convert("RGB"))
        loaded[name].flags.writeable = False  # the grader's copy: no call can change it
    return loaded


def cases():
    """Every (image name, K, seed) the capstone runs."""
    return [(name, K, seed) for name in IMAGES for K in KS for seed in SEEDS]


def artifact_key(name: str, K: int) -> str:
    """The name a student's compressed image is saved under for the feedback page."""
    return f"{Path(name).stem}_K{K}"


@functools.cache
def reference_distortions() -> dict:
    """{(image, K, seed): distortion} of the reference solution."""
    ref = reference.load()
    return {(name, K, seed): distortion(images()[name],
                                        ref.compress_image(images()[name], K, MAX_ITERS, seed))
            for name, K, seed in cases()}


def ratios(student: dict, ref: dict) -> dict:
    """{(image, K): student's median distortion / reference's median} over the seeds."""
    out = {}
    for name in IMAGES:
        for K in KS:
            mine = np.median([student[(name, K, s)] for s in SEEDS])
            theirs = np.median([ref[(name, K, s)] for s in SEEDS])
            out[(name, K)] = float(mine / theirs) if theirs > 0 else (1.0 if mine == 0 else math.inf)
    return out


def overall_ratio(by_case: dict) -> float:
    values = list(by_case.values())
    if any(not math.isfinite(v) for v in values):
        return math.inf
    return float(math.exp(np.mean(np.log(np.maximum(values, 1e-12)))))


def credit(ratio: float) -> float:
    """The fraction of the distortion points for an overall ratio R (see the module docstring)."""
    if ratio <= FULL_CREDIT_RATIO:
        return 1.0
    if not math.isfinite(ratio) or ratio >= ZERO_CREDIT_RATIO:
        return 0.0
    span = math.log(ZERO_CREDIT_RATIO) - math.log(FULL_CREDIT_RATIO)
    return round(1.0 - (math.log(ratio) - math.log(FULL_CREDIT_RATIO)) / span, 4)


# -- the reference's helpers, answering for the student's in the capstone's second run ------

def helper_call_backs() -> sandbox.CallBacks:
    """The reference's find_closest_centroids, compute_centroid_means and kmeans_init_centroids,
    answering in the grader for the student's module-level ones during compress_image (the
    proxies the worker puts in their place send each call here: no reference code enters the
    worker). What they are given is bounded: arrays no larger than the largest hidden image,
    at most MOST_CENTROIDS centroids, at most MOST_HELPER_CALLS calls per compress_image."""
    return sandbox.CallBacks({name: functools.partial(reference_helper, name) for name in HELPERS},
                             most_calls=MOST_HELPER_CALLS)


def reference_helper(name: str, *args, **kwargs):
    """The reference's ``name`` on these arguments, or sandbox.Refused saying why not."""
    function = getattr(reference.load(), name)
    try:
        bound = _signature(name).bind(*args, **kwargs)
    except TypeError as error:
        raise sandbox.Refused("TypeError", f"{name}() {error}") from None
    largest = max(image.size for image in images().values())
    for key, value in bound.arguments.items():
        if isinstance(value, sandbox.Foreign):
            raise sandbox.Refused("TypeError", f"{name}: {key} is {value.stand_in_for}, which "
                                               f"the grader's {name} does not take")
        if isinstance(value, (list, tuple)):
            value = np.asarray(value) if len(value) <= 64 else value
        if isinstance(value, np.ndarray) and value.size > largest:
            raise sandbox.Refused("ValueError", f"{name}: {key} has {value.size} elements, more "
                                                f"than any image the capstone compresses")
        if key in ("centroids", "K") and _centroid_count(value) > MOST_CENTROIDS:
            raise sandbox.Refused("ValueError", f"{name}: more than {MOST_CENTROIDS} centroids")
    try:
        with np.errstate(all="ignore"):
            return np.asarray(function(*bound.args, **bound.kwargs))
    except (ValueError, TypeError, IndexError, ArithmeticError, LookupError) as error:
        shapes = ", ".join(f"{key} {_shape(value)}" for key, value in bound.arguments.items())
        raise sandbox.Refused("ValueError" if isinstance(error, ArithmeticError) else
                              type(error).__name__ if type(error).__name__ in
                              ("ValueError", "TypeError", "IndexError") else "ValueError",
                              f"{name} cannot take {shapes}") from None


@functools.cache
def _signature(name: str) -> inspect.Signature:
    """The signature of the reference's ``name`` (read once: a capstone run asks it hundreds of
    times)."""
    return inspect.signature(getattr(reference.load(), name))


def _centroid_count(value) -> int:
    if isinstance(value, np.ndarray):
        return value.shape[0] if value.ndim else 0
    try:
        return int(value) if not isinstance(value, str) else 0
    except (TypeError, ValueError, OverflowError):
        return 0


def _shape(value) -> str:
    if isinstance(value, np.ndarray):
        return f"of shape {value.shape} and dtype {value.dtype}"
    return f"= {value!r}"[:60]
