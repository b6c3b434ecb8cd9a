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
import math
from pathlib import Path

import numpy as np
from PIL import Image

from . import paths, reference
from .imaging import distortion  # the one definition: mean squared error on the [0, 1] scale

HIDDEN = paths.HIDDEN_DATA
IMAGES = paths.HIDDEN_IMAGES
KS = (4, 8)
SEEDS = (11, 22, 33)
MAX_ITERS = 10
FULL_CREDIT_RATIO = 1.30
ZERO_CREDIT_RATIO = 2.5
CALL_SECONDS = 30.0


@functools.cache
def images() -> dict:
    """The hidden images by name, as (H, W, 3) uint8 arrays."""
    loaded = {}
    for name in IMAGES:
        with Image.open(paths.require(HIDDEN / name)) as im:
            loaded[name] = np.array(im.convert("RGB"))
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
