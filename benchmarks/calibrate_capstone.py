"""Calibrate the capstone's credit curve (autograder/capstone.py) and print the evidence.

Run: `python benchmarks/calibrate_capstone.py [--pool 1000] [--sets 100000]`.

For every hidden image and K, the reference's compress_image is run with POOL different seeds:
each run is one draw of the distortion a correct implementation gets from a uniformly random
valid initialisation. A grading run compares the median of 3 such draws (the student's seeds)
with the median of 3 others (the reference's), so sampling seed sets from the pools gives the
distribution of the overall ratio R for a correct submission with *any* valid initialisation
(the grader's seeds do not help a different initialisation scheme, so its draws are independent).
The same is done for a random codebook (no iterations) and for a single iteration.

It prints percentiles of R for each, and the credit each gets under the committed curve; the
committed FULL_CREDIT_RATIO must be at or above the correct submissions' 99.9th percentile.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder import capstone, reference  # noqa: E402


def pool(iterations: int, size: int) -> dict:
    """{(image, K): array of `size` distortions, one per seed}."""
    ref = reference.load()
    out = {}
    for name in capstone.IMAGES:
        image = capstone.images()[name]
        for K in capstone.KS:
            out[(name, K)] = np.array([
                capstone.distortion(image, ref.compress_image(image, K, iterations, 10_000 + s))
                for s in range(size)])
    return out


def ratios(student_pool: dict, ref_pool: dict, sets: int, rng) -> np.ndarray:
    """Overall ratio R for `sets` random seed sets."""
    n = len(capstone.SEEDS)
    logs = np.zeros(sets)
    for case in ref_pool:
        mine = np.median(rng.choice(student_pool[case], size=(sets, n)), axis=1)
        theirs = np.median(rng.choice(ref_pool[case], size=(sets, n)), axis=1)
        logs += np.log(mine / theirs)
    return np.exp(logs / len(ref_pool))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=1000, help="seeds per image and K")
    parser.add_argument("--sets", type=int, default=100_000, help="simulated seed sets")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    correct = pool(capstone.MAX_ITERS, args.pool)
    one_iteration = pool(1, args.pool)
    codebook = pool(0, args.pool)
    print(f"pools of {args.pool} seeds per (image, K) in {time.perf_counter() - start:.1f} s; "
          f"{args.sets} seed sets each; curve: full credit up to R = "
          f"{capstone.FULL_CREDIT_RATIO}, none from {capstone.ZERO_CREDIT_RATIO}\n")
    print(f"{'submission':<36}{'p50':>8}{'p99':>8}{'p99.9':>8}{'p99.99':>8}"
          f"{'full credit':>13}{'mean credit':>13}")
    for label, draws in [("correct, any valid initialisation", correct),
                         ("one iteration only", one_iteration),
                         ("random codebook (no iterations)", codebook)]:
        r = ratios(draws, correct, args.sets, rng)
        credit = np.array([capstone.credit(x) for x in r])
        p = np.percentile(r, [50, 99, 99.9, 99.99])
        print(f"{label:<36}" + "".join(f"{x:>8.3f}" for x in p)
              + f"{np.mean(credit == 1):>12.2%} {np.mean(credit):>12.3f}")


if __name__ == "__main__":
    main()
