"""Colour quantisation side by side in one run: the project's `compress` and reference against
what a learner would use instead, in time, peak memory and distortion; then grading throughput.

Run: `pip install -e '.[bench]' && python benchmarks/kmeans_speed.py [--quick] [--repeat N]
[--only GROUPS] [--sizes MP]` (groups: photos, large, sizes, steps, grading; all by default;
the sizes group at 1, 4 and 12 megapixels unless ``--sizes`` names fewer).

Two groups of rows, one table:

- **Same steps** (every image): the reference's `compress_image` (K random pixels with seed 0,
  10 Lloyd steps, as the assignment fixes it) against scikit-learn's
  `KMeans(algorithm="lloyd", n_init=1, init=<the same centroids>, max_iter=10, tol=0)` on the
  pixels as floats on [0, 1]: the same work, so the seconds per step compare the machinery.
  Beside the reference's seconds per step, "limit" is the least a step can take on this
  machine: reading each distinct colour and its count once (32 bytes a row) at the memory
  bandwidth measured at the start of the run.
- **Best colours** (the photos): `python -m autograder compress`'s default (the best of eight
  k-means++ seedings up to K = 16, three up to K = 64, then Lloyd steps until the colours settle),
  scikit-learn's `KMeans(init="k-means++")` with its defaults, Pillow's `Image.quantize` with
  median cut, max coverage and fast octree, and median cut refined by its k-means until at most
  one pixel changes (`kmeans=1`, its best setting), and, when installed, faiss's `Kmeans` and
  OpenCV's `kmeans` (k-means++ centres, up to 100 steps or a centre move under 1e-4) with
  their defaults otherwise.

- **By size** (the synthetic photo at 1, 4 and 12 megapixels, saved as a quality-90 JPEG and
  decoded, at K = 8, 16 and 64): the `compress` command end to end (decoding the JPEG, writing
  the palette PNG) and its K-means alone (`compress (default)`), against faiss's `Kmeans` and
  scikit-learn's k-means++ on the decoded pixels, in wall and CPU seconds and peak memory.
- **Lloyd step** (12 million uniform points in 3-D, float32 and float64, K = 16 and 64): one
  step of the graded reference (`find_closest_centroids` then `compute_centroid_means`) against
  one of scikit-learn's lloyd (the difference of 4 steps and 1, over 3, the least of two fits
  each), in wall and CPU seconds,
  medians of 3 rounds that take every method in turn;
  and the reference's step as it was before its product took the 1s column (``previous_step``,
  the same labels and means), to show what that change did. ``--reference-breakdown`` prints
  where one reference step's time goes, piece by piece, and its time at block sizes 2^12 to
  2^18 with one BLAS thread and with OpenBLAS's default.

Distortion is the mean squared error on the [0, 1] scale of the uint8 image each method makes.
Each (method, image, K) runs in a fresh process, so its peak memory (max resident set,
including Python and the libraries it imports: numpy alone about 30 MB, scikit-learn about
100 MB) is its own; time and distortion are medians over seeds 0, 1, 2 (`--repeat`) on the
photos, one run on the large images. CPU seconds are the process's own (every thread), so a
ratio of CPU to wall above 1 is a method using more than one core.

Every child reads bytecode caches, as an installed package has them: the peers' come with their
wheels (pip compiles them), and this project's modules are compiled once before the first
measurement (into their ``__pycache__`` folders), whatever ``PYTHONDONTWRITEBYTECODE`` says. An
editable install run with that variable set would otherwise compile this project's modules
afresh in every measured call (20 to 60 ms of each compress row), and only this project's.
"""

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ITERS = 10

PHOTOS = ("bundled photo 256x300", "coffee.jpg 600x400", "astronaut 512x512")
LARGE = ("synthetic 4000x3000 (12 MP)", "all colours distinct 2048x2048")
SAME_STEPS = ("reference compress_image", "sklearn lloyd, same init")
SIZES = {"synthetic 1 MP JPEG": (1155, 866), "synthetic 4 MP JPEG": (2309, 1732),
         "synthetic 12 MP JPEG": (4000, 3000)}
BY_SIZE = ("compress command", "compress (default)", "faiss Kmeans", "sklearn k-means++")
STEP_POINTS = 12_000_000
GROUPS = ("photos", "large", "sizes", "steps", "grading")
STEP_METHODS = ("reference Lloyd step", "reference before", "sklearn Lloyd step")
BEST_COLOURS = ("compress (default)", "sklearn k-means++", "Pillow median cut",
                "Pillow max coverage", "Pillow fast octree", "Pillow median cut+kmeans",
                "faiss Kmeans", "OpenCV kmeans++")


def load_image(name: str) -> np.ndarray:
    """One benchmark image as (H, W, 3) uint8, built only when asked for.

    The last is the reference's worst case: every pixel a different colour, so K-means on the
    distinct colours weighted by their counts has as many rows as the image has pixels.
    """
    from PIL import Image

    if name in SIZES:
        with Image.open(sized_jpeg(name)) as im:
            return np.asarray(im.convert("RGB"))
    if name == "coffee.jpg 600x400":
        with Image.open(ROOT / "data" / "coffee.jpg") as im:
            return np.asarray(im.convert("RGB"))
    if name == "astronaut 512x512":
        from skimage import data  # public domain (NASA), shipped inside scikit-image

        return np.ascontiguousarray(data.astronaut()[:, :, :3])
    if name == "all colours distinct 2048x2048":
        codes = np.random.default_rng(0).choice(1 << 24, 2048 * 2048, replace=False)
        rgb = np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=1)
        return rgb.astype(np.uint8).reshape(2048, 2048, 3)
    with Image.open(ROOT / "data" / "grace_hopper.png") as im:
        if name == "bundled photo 256x300":
            return np.asarray(im.convert("RGB"))
        large = np.asarray(im.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC))
    noise = np.random.default_rng(0).integers(-3, 4, size=large.shape, dtype=np.int16)
    return np.clip(large.astype(np.int16) + noise, 0, 255).astype(np.uint8)  # sensor-like noise


def sized_jpeg(name: str) -> Path:
    """The synthetic photo at one of SIZES as a quality-90 JPEG, made once in a temporary folder
    (by a process of its own: a child's peak memory starts from its parent's)."""
    path = Path(tempfile.gettempdir()) / f"kmeans-bench-{SIZES[name][0]}x{SIZES[name][1]}.jpg"
    if not path.exists():
        from PIL import Image

        large = Image.fromarray(load_image(LARGE[0]))
        if large.size != SIZES[name]:
            large = large.resize(SIZES[name], Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        large.save(buffer, format="JPEG", quality=90)
        path.write_bytes(buffer.getvalue())
    return path


def from_centres(centres: np.ndarray, labels: np.ndarray, shape) -> np.ndarray:
    """The uint8 image of centres (on [0, 1]) by label."""
    palette = np.clip(np.rint(np.asarray(centres, dtype=np.float64) * 255), 0, 255)
    return palette.astype(np.uint8)[np.asarray(labels).ravel()].reshape(shape)


def run_once(method: str, image: np.ndarray | None, K: int, seed: int, name: str = ""):
    """Quantise ``image`` once: (output image, Lloyd steps, seconds per step, rows a step
    reads, seconds of the whole, peak MB of the whole), each None where the method does not
    let us see it or where the caller measures it. The compress command reads the JPEG of
    ``name`` itself (``image`` is None).

    The caller times the whole call unless the method times itself; the seconds per step are
    measured inside where the method lets us see its steps.
    """
    sys.path.insert(0, str(ROOT))
    pixels = None if image is None else image.reshape(-1, 3)
    if method == "reference compress_image":
        from autograder import reference
        from autograder.compress.colours import unique_colours

        ref = reference.load()
        start = time.perf_counter()
        out = ref.compress_image(image, K, ITERS, rng=seed)  # the graded function itself
        seconds = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the next
        initial = ref.kmeans_init_centroids(pixels, K, rng=seed) / 255.0
        colours = unique_colours(pixels)
        X = colours.scaled()
        start = time.perf_counter()  # the graded Lloyd steps alone, on its distinct colours
        for _ in range(ITERS):
            idx = ref.find_closest_centroids(X, initial)
            ref.compute_centroid_means(X, idx, K)
        per_step = (time.perf_counter() - start) / ITERS
        return out, ITERS, per_step, len(colours), seconds, peak_mb
    if method == "sklearn lloyd, same init":
        from autograder import reference
        from sklearn.cluster import KMeans

        initial = reference.load().kmeans_init_centroids(pixels, K, rng=seed) / 255.0
        model = KMeans(K, init=initial, n_init=1, max_iter=ITERS, tol=0, algorithm="lloyd")
        start = time.perf_counter()
        labels = model.fit_predict(pixels / 255.0)
        seconds = time.perf_counter() - start
        return from_centres(model.cluster_centers_, labels, image.shape), model.n_iter_, \
            seconds / model.n_iter_, None, None, None
    if method == "compress command":
        from autograder import compress

        # The PNG is read back by the caller, after the command's time and peak memory are taken
        # (decoding it to RGB held 84 MB more at 12 MP and took CPU that is not the command's).
        out = Path(tempfile.mkdtemp()) / "out.png"
        report = compress.compress_photo(sized_jpeg(name), K, out, seed=seed)
        return out, report.steps, None, None, None, None
    if method == "compress (default)":
        from autograder import compress

        palette, labels, steps, _ = compress.quantize(image, K, seed=seed)
        return palette[labels], steps, None, None, None, None
    if method == "sklearn k-means++":
        from sklearn.cluster import KMeans

        model = KMeans(K, init="k-means++", random_state=seed)
        labels = model.fit_predict(pixels / 255.0)
        return from_centres(model.cluster_centers_, labels, image.shape), model.n_iter_, None, \
            None, None, None
    if method.startswith("Pillow"):
        from PIL import Image

        how = {"Pillow median cut": (Image.Quantize.MEDIANCUT, 0),
               "Pillow max coverage": (Image.Quantize.MAXCOVERAGE, 0),
               "Pillow fast octree": (Image.Quantize.FASTOCTREE, 0),
               "Pillow median cut+kmeans": (Image.Quantize.MEDIANCUT, 1)}[method]
        quantised = Image.fromarray(image).quantize(K, method=how[0], kmeans=how[1],
                                                    dither=Image.Dither.NONE)
        return np.asarray(quantised.convert("RGB")), None, None, None, None, None
    if method == "faiss Kmeans":
        import faiss

        X = np.ascontiguousarray(pixels, dtype=np.float32) / 255.0
        model = faiss.Kmeans(3, K, seed=seed + 1234)
        model.train(X)
        _, labels = model.index.search(X, 1)
        return from_centres(model.centroids, labels, image.shape), model.cp.niter, None, None, \
            None, None
    if method == "OpenCV kmeans++":
        import cv2

        cv2.setRNGSeed(seed)
        X = np.ascontiguousarray(pixels, dtype=np.float32) / 255.0
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 100, 1e-4)
        _, labels, centres = cv2.kmeans(X, K, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
        return from_centres(centres, labels, image.shape), None, None, None, None, None
    raise ValueError(method)


def distortion(image: np.ndarray, out: np.ndarray) -> float:
    """The mean squared error on the [0, 1] scale, exact, a few rows at a time (no float copy
    of a 12-megapixel image raises the peak memory measured before it)."""
    total = 0
    for first in range(0, image.shape[0], 64):
        d = image[first:first + 64].astype(np.int64) - out[first:first + 64]
        total += int(np.sum(d * d))
    return total / (image.size * 255.0 ** 2)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(method: str, image_name: str, K: int, repeat: int) -> dict:
    """Run one (method, image, K) ``repeat`` times with seeds 0, 1, ... in this process."""
    image = None if method == "compress command" else load_image(image_name)
    seconds, cpu, errors, steps, per_step, rows, peaks = [], [], [], [], [], None, []
    for seed in range(repeat):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        out, n_steps, step_seconds, rows, own_seconds, peak = run_once(method, image, K, seed,
                                                                      image_name)
        seconds.append(own_seconds if own_seconds is not None else time.perf_counter() - start)
        cpu.append(cpu_seconds() - start_cpu)
        peaks.append(peak if peak is not None else
                     resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        if isinstance(out, Path):  # the compress command's PNG, read back only now
            from PIL import Image

            with Image.open(out) as im:
                written = np.asarray(im.convert("RGB"))
            out.unlink()
            out.parent.rmdir()
            out = written
        if image is None:
            image = load_image(image_name)
        errors.append(distortion(image, out))
        steps.append(n_steps)
        per_step.append(step_seconds)
    median = lambda values: None if values[0] is None else float(np.median(values))  # noqa: E731
    return {"seconds": median(seconds), "cpu": median(cpu), "distortion": median(errors),
            "steps": median(steps), "per_step": median(per_step), "rows": rows,
            "peak_mb": max(peaks), "image_mb": image.nbytes / 2**20}


def previous_step(X: np.ndarray, centroids: np.ndarray, K: int, block_entries=2**16):
    """The graded reference's Lloyd step before its product took a column of 1s (the rows
    ``reference before``): blocks of 2^16 scores, a new shifted block and new scores for each,
    then ``scores += ||c||^2``; the means by one bincount per feature after a min/max check of
    the labels. The same labels and means (tests/test_reference.py keeps it as its oracle)."""
    shift = np.round(centroids.mean(axis=0))
    C = centroids - shift
    c_sq = np.einsum("kn,kn->k", C, C)
    idx = np.empty(X.shape[0], dtype=np.int64)
    rows = max(1, block_entries // K)
    minus_two_CT = -2.0 * C.T
    for start in range(0, X.shape[0], rows):
        scores = (X[start:start + rows] - shift) @ minus_two_CT
        scores += c_sq
        idx[start:start + rows] = np.argmin(scores, axis=1)
    if idx.size and (idx.min() < 0 or idx.max() >= K):
        raise ValueError("labels out of range")
    counts = np.bincount(idx, minlength=K).astype(float)
    sums = np.empty((K, X.shape[1]))
    for j in range(X.shape[1]):
        sums[:, j] = np.bincount(idx, weights=X[:, j], minlength=K)
    with np.errstate(invalid="ignore"):
        return idx, sums / counts[:, None]


def lloyd_step(method: str, dtype: str, K: int) -> dict:
    """Wall and CPU seconds of one Lloyd step on STEP_POINTS uniform points in 3-D."""
    rng = np.random.default_rng(0)
    X = rng.random((STEP_POINTS, 3)).astype(dtype)
    centroids = X[rng.choice(len(X), K, replace=False)].astype(np.float64)

    def timed(f):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        f()
        return time.perf_counter() - start, cpu_seconds() - start_cpu

    if method == "reference before":
        def step():
            previous_step(X, centroids, K)
    elif method.startswith("reference"):
        sys.path.insert(0, str(ROOT))
        from autograder import reference

        ref = reference.load()

        def step():
            ref.compute_centroid_means(X, ref.find_closest_centroids(X, centroids), K)

    if method.startswith("reference"):
        runs = [timed(step) for _ in range(3)]
        return {"wall": float(np.median([r[0] for r in runs])),
                "cpu": float(np.median([r[1] for r in runs]))}
    from sklearn.cluster import KMeans

    def fit(steps):
        return lambda: KMeans(K, init=centroids.astype(dtype), n_init=1, max_iter=steps, tol=0,
                              algorithm="lloyd").fit(X)

    # Each fit twice, alternately, and the least of each: under load a single difference of 4
    # steps and 1 can come out below zero.
    runs = [(timed(fit(1)), timed(fit(4))) for _ in range(2)]
    one, four = (np.min([run[i] for run in runs], axis=0) for i in (0, 1))
    return {"wall": float(four[0] - one[0]) / 3, "cpu": float(four[1] - one[1]) / 3}


def available(method: str) -> bool:
    module = {"faiss Kmeans": "faiss", "OpenCV kmeans++": "cv2"}.get(method)
    if method.startswith("sklearn"):
        module = "sklearn"
    if module is None:
        return True
    import importlib.util

    return importlib.util.find_spec(module) is not None


def memory_bandwidth() -> float:
    """Bytes a second one core moves copying a 256 MB array (read plus write), best of 5."""
    a = np.ones(32 << 20)
    b = np.empty_like(a)
    best = min(_timed(np.copyto, b, a) for _ in range(5))
    return 2 * a.nbytes / best


def _timed(f, *args) -> float:
    start = time.perf_counter()
    f(*args)
    return time.perf_counter() - start


def step_breakdown() -> list[str]:
    """Where one Lloyd step of the reference goes on the worst case (4.2 million distinct
    colours): the matrix products, the argmins, the means; medians of 5 steps."""
    sys.path.insert(0, str(ROOT))
    from autograder.compress import lloyd as steps
    from autograder.compress.colours import unique_colours

    colours = unique_colours(load_image(LARGE[1]).reshape(-1, 3))
    X = colours.scaled()
    lloyd = steps.WeightedLloyd(X, colours.counts)
    lines = [f"one step on {len(X)} rows, serial pieces then the whole step (ns a row):"]
    for K in (16, 64, 256):
        centroids = X[np.random.default_rng(0).choice(len(X), K, replace=False)]
        shift = np.round(centroids.mean(axis=0))
        C = centroids - shift
        product = np.vstack([-2.0 * C.T, np.einsum("kn,kn->k", C, C)])
        rows = lloyd.rows_for(shift)
        block = steps.block_rows(K, 3)
        starts = range(0, len(X), block)
        first_block = rows[:block] @ product

        def products():
            for first in starts:
                rows[first:first + block] @ product

        def argmins():  # a block's argmin, as many times as there are blocks
            for _ in starts:
                np.argmin(first_block, axis=1)

        idx = lloyd.closest(centroids)
        pieces = {"product": products, "argmin": argmins,
                  "means": lambda: lloyd.means(idx, K),
                  "whole step, 2 threads": lambda: lloyd.means(lloyd.closest(centroids), K)}
        figures = [f"{name} {np.median([_timed(piece) for _ in range(5)]) / len(X) * 1e9:.0f}"
                   for name, piece in pieces.items()]
        lines.append(f"  K = {K:>3}: " + ", ".join(figures) + f" (block of {block} rows)")
    return lines


def reference_breakdown() -> list[str]:
    """Where one Lloyd step of the graded reference goes on STEP_POINTS uniform points in 3-D:
    its pieces (the loop of find_closest_centroids written out with a clock around each call),
    then find_closest_centroids at block sizes 2^12 to 2^18, with one BLAS thread and with
    OpenBLAS's default; CPU and wall nanoseconds a row, medians of 3 rounds, interleaved."""
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    sys.path.insert(0, str(ROOT))
    from autograder import reference

    ref = reference.load()
    rng = np.random.default_rng(0)
    per_row = 1e9 / STEP_POINTS
    lines = [f"one reference step on {STEP_POINTS:,} points in 3-D, its pieces "
             f"(CPU ns a row, blocks of {ref._BLOCK_ENTRIES} scores):"]
    for dtype in ("float32", "float64"):
        X = rng.random((STEP_POINTS, 3)).astype(dtype)
        for K in (16, 64):
            centroids = X[rng.choice(len(X), K, replace=False)].astype(np.float64)
            shift = np.round(centroids.mean(axis=0))
            C = centroids - shift
            product = np.vstack([-2.0 * C.T, np.einsum("kn,kn->k", C, C)])
            rows = max(1, ref._BLOCK_ENTRIES // K)
            shifted, scores = np.ones((4, rows)), np.empty((rows, K))
            idx = np.empty(len(X), dtype=np.int64)
            rounds = []
            for _ in range(3):
                spent = dict.fromkeys(("shift", "product", "argmin"), 0.0)
                for start in range(0, len(X), rows):
                    stop = min(start + rows, len(X))
                    block = slice(0, stop - start)
                    t0 = time.process_time()
                    np.subtract(X[start:stop].T, shift[:, None], out=shifted[:3, block])
                    t1 = time.process_time()
                    np.matmul(shifted[:, block].T, product, out=scores[block])
                    t2 = time.process_time()
                    np.argmin(scores[block], axis=1, out=idx[start:stop])
                    t3 = time.process_time()
                    spent["shift"] += t1 - t0
                    spent["product"] += t2 - t1
                    spent["argmin"] += t3 - t2
                for name, piece in (
                        ("labels check", lambda: (idx.min(), idx.max())),
                        ("counts", lambda: np.bincount(idx, minlength=K)),
                        ("sums", lambda: [np.bincount(idx, weights=X[:, j], minlength=K)
                                          for j in range(3)]),
                        ("find_closest_centroids",
                         lambda: ref.find_closest_centroids(X, centroids)),
                        ("compute_centroid_means", lambda: ref.compute_centroid_means(X, idx, K))):
                    start_cpu = time.process_time()
                    piece()
                    spent[name] = time.process_time() - start_cpu
                rounds.append(spent)
            figures = ", ".join(f"{name} {np.median([r[name] for r in rounds]) * per_row:.1f}"
                                for name in rounds[0])
            lines.append(f"  {dtype} K = {K:>2}: {figures}")
    X = rng.random((STEP_POINTS, 3)).astype(np.float32)
    saved = ref._BLOCK_ENTRIES
    lines.append("find_closest_centroids by block size, float32 (CPU / wall ns a row):")
    try:
        for K in (16, 64):
            centroids = X[rng.choice(len(X), K, replace=False)].astype(np.float64)
            configs = [(e, threads) for e in range(12, 19) for threads in (1, None)]
            runs = {config: [] for config in configs}
            for _ in range(3):
                for e, threads in configs:
                    ref._BLOCK_ENTRIES = 2**e
                    with threadpool_limits(threads, user_api="blas"):
                        start, start_cpu = time.perf_counter(), time.process_time()
                        ref.find_closest_centroids(X, centroids)
                        runs[e, threads].append((time.process_time() - start_cpu,
                                                 time.perf_counter() - start))
            cells = [f"2^{e} {'1 thread' if threads else 'default'} "
                     f"{np.median([r[0] for r in runs[e, threads]]) * per_row:.0f} / "
                     f"{np.median([r[1] for r in runs[e, threads]]) * per_row:.0f}"
                     for e, threads in configs]
            lines.append(f"  K = {K:>2}: " + "; ".join(cells))
    finally:
        ref._BLOCK_ENTRIES = saved
    return lines


def lloyd_steps(rounds: int = 3) -> list[str]:
    """One Lloyd step, the graded reference against scikit-learn's, each in a fresh process;
    ``rounds`` rounds of every (dtype, K, method) in turn, so a change of load falls on every
    method alike; the medians."""
    methods = [m for m in STEP_METHODS if available(m)]
    configs = [(dtype, K) for dtype in ("float32", "float64") for K in (16, 64)]
    figures = {(config, method): [] for config in configs for method in methods}
    for _ in range(rounds):
        for dtype, K in configs:
            for method in methods:
                done = subprocess.run([sys.executable, __file__, "--one", method, dtype, str(K),
                                       "step"], capture_output=True, text=True)
                if done.returncode == 0:
                    figures[(dtype, K), method].append(json.loads(done.stdout))
    lines = [f"one Lloyd step on {STEP_POINTS:,} points in 3-D (wall s / CPU s, medians of "
             f"{rounds} rounds):",
             f"{'':<16}" + "".join(f"{m:>30}" for m in methods)]
    for dtype, K in configs:
        cells = []
        for method in methods:
            runs = figures[(dtype, K), method]
            cells.append(f"{np.median([f['wall'] for f in runs]):.3f} / "
                         f"{np.median([f['cpu'] for f in runs]):.3f}" if runs else "failed")
        lines.append(f"{dtype} K = {K:<5}" + "".join(f"{c:>30}" for c in cells))
    return lines


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
    parser.add_argument("--quick", action="store_true",
                        help="the bundled photo only, one seed, no grading throughput")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="seeds per measurement on the photos (default: 3; medians)")
    parser.add_argument("--only", metavar="GROUPS",
                        help=f"only these groups, comma-separated, of {', '.join(GROUPS)} "
                             f"(default: all)")
    parser.add_argument("--sizes", metavar="MP", default="1,4,12",
                        help="the sizes group's megapixels, comma-separated, of 1, 4, 12 "
                             "(default: all)")
    parser.add_argument("--breakdown", action="store_true",
                        help="only where one reference step's time goes on the worst case")
    parser.add_argument("--reference-breakdown", action="store_true",
                        help="only where one step of the graded reference goes, piece by piece "
                             "and by block size")
    parser.add_argument("--one", nargs=4, metavar=("METHOD", "IMAGE", "K", "REPEAT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        method, image, K, repeat = args.one
        if method == "bandwidth":
            print(json.dumps(memory_bandwidth()))
        elif method == "jpeg":
            sized_jpeg(image)
        elif repeat == "step":
            print(json.dumps(lloyd_step(method, image, int(K))))
        else:
            print(json.dumps(measure(method, image, int(K), int(repeat))))
        return
    if args.breakdown:
        print("\n".join(step_breakdown()))
        return
    if args.reference_breakdown:
        print("\n".join(reference_breakdown()))
        return
    if args.repeat < 1:
        parser.error(f"argument --repeat: must be 1 or more, got {args.repeat}")
    groups = set(GROUPS if args.only is None else args.only.split(","))
    if groups - set(GROUPS):
        parser.error(f"argument --only: unknown {', '.join(sorted(groups - set(GROUPS)))}; "
                     f"choose among {', '.join(GROUPS)}")
    sizes = [name for name in SIZES if name.split()[1] in args.sizes.split(",")]
    if not sizes:
        parser.error(f"argument --sizes: choose among 1, 4, 12, got {args.sizes}")
    if args.quick:
        groups = {"photos"}
    # Every child with bytecode caches, as an installed package has them (see the module).
    children = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "autograder")],
                   env=children, check=True)
    # In a process of its own: a child's peak memory starts from its parent's.
    bandwidth = json.loads(subprocess.run([sys.executable, __file__, "--one", "bandwidth", "-",
                                           "0", "0"], capture_output=True, text=True,
                                          env=children, check=True).stdout)
    print(f"memory bandwidth, one core copying 256 MB: {bandwidth / 1e9:.1f} GB/s; "
          f"{os.cpu_count()} cores; load average at the start "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    plan = []
    images = ((PHOTOS[:1] if args.quick else PHOTOS) if "photos" in groups else ()) + \
        (LARGE if "large" in groups else ())
    for name in images:
        repeat = 1 if args.quick or name in LARGE else args.repeat
        for K in (16, 64, 256):
            methods = SAME_STEPS + (BEST_COLOURS if name in PHOTOS else ())
            plan += [(name, K, method, repeat) for method in methods if available(method)]
    if "sizes" in groups:
        for name in sizes:  # made before any child measures, in a process of its own
            subprocess.run([sys.executable, __file__, "--one", "jpeg", name, "0", "0"],
                           env=children, check=True)
            plan += [(name, K, method, 1) for K in (8, 16, 64) for method in BY_SIZE
                     if available(method)]
    missing = [m for m in SAME_STEPS + BEST_COLOURS if not available(m)]
    if missing:
        print(f"not installed, so not measured: {', '.join(missing)} "
              f"(pip install -e '.[bench]')")
    header = (f"{'image':<31}{'K':>4}  {'method':<26}{'steps':>6}{'s/step':>9}{'limit':>8}"
              f"{'total s':>9}{'cpu s':>8}{'peak MB':>8}{'distortion':>12}")
    if plan:
        print(header)
        print("-" * len(header))
    last = None
    for name, K, method, repeat in plan:
        if last is not None and (name, K) != last:
            print()
        last = (name, K)
        # the compress rows run as `python -m autograder compress` runs: numpy's OpenBLAS on
        # one thread (autograder.cli.one_blas_thread), the peers with their own defaults
        env = dict(children)
        if method.startswith("compress"):
            env.setdefault("OPENBLAS_NUM_THREADS", "1")
        done = subprocess.run([sys.executable, __file__, "--one", method, name, str(K),
                               str(repeat)], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            print(f"{name:<31}{K:>4}  {method:<26} failed: {reason}")
            continue
        f = json.loads(done.stdout)
        steps = f"{f['steps']:.0f}" if f["steps"] is not None else "-"
        per_step = f"{f['per_step']:.4f}" if f["per_step"] is not None else "-"
        limit = f"{f['rows'] * 32 / bandwidth:.4f}" if f["rows"] else ""
        print(f"{name:<31}{K:>4}  {method:<26}{steps:>6}{per_step:>9}{limit:>8}"
              f"{f['seconds']:>9.2f}{f['cpu']:>8.2f}{f['peak_mb']:>8.0f}"
              f"{f['distortion']:>12.6f}", flush=True)
    if "sizes" in groups:
        print()
        for name in sizes:
            mb = load_image(name).nbytes / 2**20
            print(f"{name}: the decoded image is {mb:.0f} MB; 4 times that is {4 * mb:.0f} MB")
    if "steps" in groups:
        print()
        for line in lloyd_steps():
            print(line, flush=True)
    print(f"load average at the end {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if "grading" in groups:
        for line in grading_throughput():
            print(line)


if __name__ == "__main__":
    main()
