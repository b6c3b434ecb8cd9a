"""K-means speed and memory, side by side in one run: the reference against scikit-learn and
against the source notebook's loops; and grading throughput.

Run: `pip install -e '.[bench]' && python benchmarks/kmeans_speed.py [--quick]`.

Every implementation compresses the same image from the same initial centroids (K distinct
pixels drawn with one seed) for the same number of iterations; scikit-learn runs
`KMeans(algorithm="lloyd", n_init=1, init=<those centroids>, max_iter=ITERS, tol=0)` on the
pixels as floats on [0, 1]. Each measurement runs in a fresh process, so its peak memory (max
resident set, including the Python interpreter and numpy, about 30 MB) is its own. The loop
implementation is far too slow for large images: it is timed on a random sample of pixels and
its seconds per iteration scaled to the whole image (marked "est.").
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ITERS = 10
LOOP_SAMPLE = 3000  # pixels the loop implementation is timed on


IMAGES = ("bundled photo 256x300", "synthetic 4000x3000 (12 MP)",
          "all colours distinct 2048x2048")


def load_image(name: str) -> np.ndarray:
    """One benchmark image, built only when asked for (so peak memory stays the run's own).

    The last is the reference's worst case: every pixel a different colour, so K-means on the
    distinct colours weighted by their counts has as many rows as the image has pixels.
    """
    from PIL import Image

    if name == IMAGES[2]:
        codes = np.random.default_rng(0).choice(1 << 24, 2048 * 2048, replace=False)
        rgb = np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=1)
        return rgb.astype(np.uint8).reshape(2048, 2048, 3)
    with Image.open(ROOT / "data" / "grace_hopper.png") as im:
        if name == IMAGES[0]:
            return np.asarray(im.convert("RGB"))
        large = np.asarray(im.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC))
    noise = np.random.default_rng(0).integers(-3, 4, size=large.shape, dtype=np.int16)
    return np.clip(large.astype(np.int16) + noise, 0, 255).astype(np.uint8)  # sensor-like noise


def loop_iteration(X, centroids):
    """One iteration of the source notebook's plain loops."""
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        distance = [np.linalg.norm(X[i] - c) for c in centroids]
        idx[i] = np.argmin(distance)
    means = np.zeros_like(centroids)
    for k in range(len(centroids)):
        points = X[idx == k]
        means[k] = points.mean(axis=0) if len(points) else centroids[k]
    return means


def measure(implementation: str, image_name: str, K: int) -> dict:
    """Run one measurement (in this process) and return its figures."""
    sys.path.insert(0, str(ROOT))
    from autograder import reference

    ref = reference.load()
    image = load_image(image_name)
    pixels = image.reshape(-1, 3)
    initial = ref.kmeans_init_centroids(pixels, K, rng=0) / 255.0
    start = time.perf_counter()
    if implementation == "reference":
        ref.compress_image(image, K, ITERS, rng=0)
        seconds = time.perf_counter() - start
        per_iteration, estimated = seconds / ITERS, False
    elif implementation == "scikit-learn":
        from sklearn.cluster import KMeans

        X = pixels / 255.0
        model = KMeans(K, init=initial, n_init=1, max_iter=ITERS, tol=0, algorithm="lloyd")
        labels = model.fit_predict(X)
        np.clip(np.rint(model.cluster_centers_ * 255), 0, 255).astype(np.uint8)[labels]
        seconds = time.perf_counter() - start
        per_iteration, estimated = seconds / ITERS, False
    else:
        sample = np.random.default_rng(0).choice(len(pixels), min(LOOP_SAMPLE, len(pixels)),
                                                 replace=False)
        X = pixels[sample] / 255.0
        loop_iteration(X, initial)
        per_iteration = (time.perf_counter() - start) * len(pixels) / len(X)
        seconds, estimated = per_iteration * ITERS, len(X) < len(pixels)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "per_iteration": per_iteration, "peak_mb": peak_mb,
            "estimated": estimated}


def grading_throughput() -> list[str]:
    """Submissions per minute, one at a time and batched, for a vectorised correct submission."""
    import shutil
    import tempfile

    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import build

    folder = Path(tempfile.mkdtemp())
    try:
        submissions = folder / "class"
        submissions.mkdir()
        for n in range(6):
            (submissions / f"s{n}").mkdir()
            build("correct_broadcast.py", submissions / f"s{n}")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder", "grade", str(submissions / "s0"),
                        "--out", str(folder / "one.json")], check=True, capture_output=True)
        one = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder", "batch", str(submissions), "--out",
                        str(folder / "out")], check=True, capture_output=True)
        batched = (time.perf_counter() - start) / 6
        return [f"grading a vectorised correct submission: {60 / one:.0f} per minute one at a "
                f"time ({one:.2f} s each); {60 / batched:.0f} per minute batched on all cores "
                f"(6 submissions, {batched:.2f} s each)"]
    finally:
        shutil.rmtree(folder)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the bundled photo only")
    parser.add_argument("--one", nargs=3, metavar=("IMPL", "IMAGE", "K"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], args.one[1], int(args.one[2]))))
        return
    names = IMAGES[:1] if args.quick else IMAGES
    print(f"{'image':<30}{'K':>5}  {'implementation':<16}{'s/iter':>9}{'total s':>10}"
          f"{'peak MB':>9}{'vs sklearn':>12}")
    for name in names:
        for K in (16, 64, 256):
            figures = {}
            for implementation in ("reference", "scikit-learn", "notebook loops"):
                done = subprocess.run([sys.executable, __file__, "--one", implementation, name,
                                       str(K)], capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"{name:<30}{K:>5}  {implementation:<16} failed: "
                          f"{done.stderr.strip().splitlines()[-1]}")
                    continue
                figures[implementation] = json.loads(done.stdout)
            base = figures.get("scikit-learn", {}).get("seconds")
            for implementation, f in figures.items():
                ratio = f"{f['seconds'] / base:.2f}x" if base else "-"
                mark = " est." if f["estimated"] else ""
                print(f"{name:<30}{K:>5}  {implementation:<16}{f['per_iteration']:>9.3f}"
                      f"{f['seconds']:>10.2f}{f['peak_mb']:>9.0f}{ratio:>12}{mark}")
    for line in grading_throughput():
        print(line)


if __name__ == "__main__":
    main()
