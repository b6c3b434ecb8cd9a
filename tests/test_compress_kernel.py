"""The compress engine's compiled kernel and its numpy twin: the same labels, sums, colour tables,
seedings and images, bit for bit, and the numpy twin alone when the kernel is missing or turned
off; the default's stopping rule."""

import itertools
import os
import shutil
import subprocess
import sys
import sysconfig

import numpy as np
import pytest
from PIL import Image

from autograder import compress, paths
from autograder.compress import colours as colour_table
from autograder.compress import fused, palette, seeding
from test_reference import few_level_photo


@pytest.fixture
def twin(monkeypatch):
    """Run the numpy twin, even where the kernel is built."""
    monkeypatch.setattr(fused, "USE_KERNEL", False)


needs_kernel = pytest.mark.skipif(fused._kernel is None, reason="the kernel is not built here")


def bundled():
    with Image.open(paths.PHOTO) as im:
        return np.asarray(im.convert("RGB"))


def images():
    rng = np.random.default_rng(7)
    return {
        "bundled photo": bundled(),
        "few levels (exact ties)": few_level_photo(4),
        "random 60 x 50": rng.integers(0, 256, size=(60, 50, 3), dtype=np.uint8),
        # more distinct colours than fused.SPLIT_FROM: the steps are split in two halves
        "random 250 x 240": rng.integers(0, 256, size=(250, 240, 3), dtype=np.uint8),
    }


def test_the_kernel_is_built_where_a_compiler_is():
    """`pip install -e .` compiles the kernel when a C compiler and Python's headers are there
    (as on CI); without them the package installs without it and the numpy twin runs."""
    headers = os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))
    if not (shutil.which("cc") or shutil.which("gcc")) or not headers:
        pytest.skip("no C compiler or no Python headers: the kernel cannot be built here")
    assert fused._kernel is not None, "the compress kernel was not built: reinstall with pip"
    assert fused.kernel() is fused._kernel


def test_the_kernel_can_be_turned_off(monkeypatch):
    """KMEANS_COMPRESS_KERNEL=0 or USE_KERNEL = False: the numpy twin runs."""
    monkeypatch.setenv(fused.ENVIRONMENT, "0")
    assert fused.kernel() is None
    monkeypatch.delenv(fused.ENVIRONMENT)
    monkeypatch.setattr(fused, "USE_KERNEL", False)
    assert fused.kernel() is None


@needs_kernel
@pytest.mark.parametrize("K, twins", [(1, ()), (2, ()), (7, ()), (64, ()),
                                      ((9, ((1, 5), (2, 3), (0, 8))))])
def test_one_step_is_the_same_in_both(K, twins):
    """Every output of a step (labels, bounds, the moves of the clusters' sums and totals, the
    changed count), first with all rows scored and then with the bounds, is the same from the
    kernel and from numpy; the labels are always those of every row's full scores, and the
    sums kept by moving only the rows that changed cluster are every cluster's sums afresh.

    ``twins``: pairs of centroids made equal, so that rows tie exactly between them (the kernel
    scores four centroids at a time: 1 and 5 share its lane, 2 and 3 do not, 8 is in a lane of
    its own, padded), where the label must be the lower index and the second least the same
    number."""
    rng = np.random.default_rng(K)
    rgb = (rng.integers(0, 32, size=(5000, 3)) * 8).astype(np.uint8)  # few values: exact ties
    X = rgb / 255.0
    weights = rng.integers(1, 50, size=len(X)).astype(float)
    centroids = X[rng.choice(len(X), K, replace=False)].copy()
    for a, b in twins:
        centroids[b] = centroids[a]
    state = {}
    for name, step in (("kernel", fused._kernel.step), ("numpy", fused.step_numpy)):
        labels = np.zeros(len(X), dtype=np.int32)
        upper, lower = np.zeros(len(X)), np.zeros(len(X))
        drift, far, c = np.zeros(K), 0.0, centroids.copy()
        sums, totals = np.zeros((K, 3)), np.zeros(K)
        outputs = []
        for number in range(6):
            changed, rescored = step(X, rgb, weights, c, labels, upper, lower, drift, sums,
                                     totals, number == 0, 1e-9, far)
            full = np.argmin(fused.squared_distances(X, c), axis=1)
            np.testing.assert_array_equal(labels, full)
            np.testing.assert_array_equal(totals, np.bincount(labels, weights, minlength=K))
            for j in range(3):
                afresh = np.bincount(labels, weights * rgb[:, j], minlength=K)
                np.testing.assert_array_equal(sums[:, j], afresh)
            outputs.append((labels.copy(), upper.copy(), lower.copy(), sums.copy(),
                            totals.copy(), changed, rescored))
            new = np.where((totals > 0)[:, None],
                           sums / (255.0 * np.maximum(totals, 1)[:, None]), c)
            moved = np.sqrt(((new - c) ** 2).sum(axis=1))
            drift, far, c = drift + moved, far + moved.max(), new
        state[name] = outputs
    for a, b in zip(state["kernel"], state["numpy"]):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
    assert state["kernel"][-1][-1] < len(X)  # the bounds spared some rows' scores
    assert K == 1 or any(out[5] > 0 for out in state["kernel"][1:])  # some changed cluster


@pytest.mark.parametrize("weights, problem", [
    ([1.5, 2.0], "whole numbers"), ([-1.0, 2.0], "whole numbers"),
    ([2.0 ** 45, 1.0], "below"), ([1.0], "weights must be")])
def test_the_steps_refuse_weights_their_exact_sums_cannot_take(weights, problem):
    """The clusters' sums are exact only for whole-number weights whose sums stay far below
    2**53: other weights are refused, never summed inexactly."""
    with pytest.raises(ValueError, match=problem):
        fused.FusedLloyd(np.zeros((2, 3), dtype=np.uint8), np.array(weights))


@needs_kernel
@pytest.mark.parametrize("name", list(images()))
def test_same_palette_and_labels_with_and_without_the_kernel(name, monkeypatch):
    """The default's colours and every pixel's label are the same from the kernel and from the
    numpy twin, at every K (the colour table, the seeding and the steps all agree)."""
    image = images()[name]
    distinct = len(colour_table.unique_colours(image.reshape(-1, 3)))
    for K in [K for K in (1, 4, 16, 64) if K <= distinct]:
        found = {}
        for use in (True, False):
            monkeypatch.setattr(fused, "USE_KERNEL", use)
            palette_, labels, steps, stable = compress.quantize(image, K, seed=3)
            found[use] = (palette_, labels, steps, stable)
        for a, b in zip(found[True], found[False]):
            np.testing.assert_array_equal(a, b)


@needs_kernel
@pytest.mark.parametrize("pixels", [1000, colour_table.TABLE_FROM_PIXELS + 5])
def test_the_kernels_colour_table_is_numpys(pixels, monkeypatch):
    """The kernel's bitmap of colour codes gives the same distinct colours, counts and pixel
    rows as both numpy ways (sorting, or the table of every code)."""
    rng = np.random.default_rng(pixels)
    image = rng.integers(0, 256, size=(pixels, 3), dtype=np.uint8)
    image[::3] = image[0]
    ours = colour_table.unique_colours(image)
    assert ours._bitmap is not None
    monkeypatch.setattr(fused, "USE_KERNEL", False)
    theirs = colour_table.unique_colours(image)
    for a, b in [(ours.rgb, theirs.rgb), (ours.counts, theirs.counts),
                 (ours.which, theirs.which)]:
        np.testing.assert_array_equal(a, b)
    per_colour = rng.integers(0, 256, size=len(ours)).astype(np.uint8)
    np.testing.assert_array_equal(ours.lookup(per_colour), theirs.lookup(per_colour))


@needs_kernel
def test_the_baseline_clone_is_numpys_too(tmp_path):
    """The kernel's loops are compiled twice on x86-64 and the CPU picks the clone, so the tests
    run only the one this machine picks (AVX2 here). The baseline one (SSE2: the lanes of four
    are two registers) is built alone here and must give numpy's labels, bounds and sums, and
    the same seeding choices and running sums, on data with exact ties."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    include = sysconfig.get_paths()["include"]
    if compiler is None or not os.path.exists(os.path.join(include, "Python.h")):
        pytest.skip("no C compiler or no Python headers")
    source = paths.ROOT / "autograder" / "compress" / "_kernel.c"
    built = tmp_path / ("_kernel" + sysconfig.get_config_var("EXT_SUFFIX"))
    flags = ["-O3", "-ffp-contract=off", "-DKERNEL_BASELINE_ONLY", "-shared", "-fPIC"]
    if sysconfig.get_platform().endswith("x86_64"):
        flags.append("-march=x86-64")
    subprocess.run([compiler, *flags, f"-I{include}", str(source), "-o", str(built)],
                   check=True, capture_output=True)
    import importlib.util

    spec = importlib.util.spec_from_file_location("_kernel", built)
    baseline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(baseline)
    rng = np.random.default_rng(11)
    rgb = (rng.integers(0, 16, size=(3001, 3)) * 16).astype(np.uint8)  # exact ties
    X = rgb / 255.0
    weights = rng.integers(1, 9, size=len(X)).astype(float)
    for K in (1, 5, 16, 64):
        centroids = X[rng.choice(len(X), K, replace=False)].copy()
        if K > 5:
            centroids[5] = centroids[1]
        outputs = []
        for step in (baseline.step, fused.step_numpy):
            labels = np.zeros(len(X), dtype=np.int32)
            upper, lower = np.zeros(len(X)), np.zeros(len(X))
            drift, far, c = np.zeros(K), 0.0, centroids.copy()
            sums, totals, seen = np.zeros((K, 3)), np.zeros(K), []
            for number in range(4):
                step(X, rgb, weights, c, labels, upper, lower, drift, sums, totals,
                     number == 0, 1e-9, far)
                seen.append((labels.copy(), upper.copy(), lower.copy(), sums.copy()))
                new = np.where((totals > 0)[:, None],
                               sums / (255.0 * np.maximum(totals, 1)[:, None]), c)
                moved = np.sqrt(((new - c) ** 2).sum(axis=1))
                drift, far, c = drift + moved, far + moved.max(), new
            outputs.append(seen)
        for ours, theirs in zip(*outputs):
            for a, b in zip(ours, theirs):
                np.testing.assert_array_equal(a, b)
    columns = np.ascontiguousarray(X.T)
    for trial in range(10):
        closest = rng.random(len(X))
        rows = rng.integers(0, len(X), size=4).astype(np.int64)
        ours, theirs = closest.copy(), closest.copy()
        sums, their_sums = np.zeros(len(X)), np.zeros(len(X))
        assert baseline.candidates(columns, weights, ours, rows, sums) == \
            seeding.best_candidate(columns, weights, theirs, rows, their_sums)
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(sums, their_sums)


@needs_kernel
@pytest.mark.parametrize("K", [2, 16, 64])
def test_the_kernels_seeding_is_numpys(K, monkeypatch):
    """k-means++ picks the same rows with the kernel's candidates as with the numpy twin."""
    X = np.unique(few_level_photo(16).reshape(-1, 3), axis=0) / 255.0
    weights = np.random.default_rng(K).integers(1, 9, size=len(X)).astype(float)
    ours = seeding.kmeans_plus_plus(X, weights, K, 5)
    monkeypatch.setattr(fused, "USE_KERNEL", False)
    np.testing.assert_array_equal(ours, seeding.kmeans_plus_plus(X, weights, K, 5))


def test_lane_sum_adds_in_four_running_sums():
    """The seeding's potential is summed as the kernel sums it: value i into running sum i % 4,
    in order, then (s0 + s1) + (s2 + s3); not as one running sum (another rounding)."""
    rng = np.random.default_rng(3)
    for m in (1, 2, 3, 4, 5, 7, 1001):
        v = rng.random(m) * 10.0 ** rng.integers(-8, 8, size=m)
        s = [0.0] * 4
        for i, value in enumerate(v.tolist()):
            s[i % 4] += value
        assert seeding.lane_sum(v) == (s[0] + s[1]) + (s[2] + s[3])
    v = np.array([1.0, 1e-16, 1e-16, 1e-16, 1e-16])  # one running sum: 1.0; four: above it
    assert seeding.lane_sum(v) > 1.0 == float(np.cumsum(v)[-1])


@needs_kernel
@pytest.mark.parametrize("m", [1, 3, 4, 5, 7, 1001])
def test_the_kernels_candidates_are_numpys(m):
    """The kernel's candidates: the same best candidate, the same distances to the nearest
    chosen centroid and the same running sum of the weighted distances (np.cumsum's) as the
    numpy twin, for any number of rows (four at a time, and the rest)."""
    rng = np.random.default_rng(m)
    X = rng.random((m, 3))
    weights = rng.integers(1, 9, size=m).astype(float)
    for trial in range(20):
        closest = np.minimum(seeding.squared_distances(X, X[rng.integers(m)]), rng.random(m))
        rows = rng.integers(0, m, size=4).astype(np.int64)
        ours, theirs = closest.copy(), closest.copy()
        sums, their_sums = np.zeros(m), np.zeros(m)
        columns = np.ascontiguousarray(X.T)
        assert fused._kernel.candidates(columns, weights, ours, rows, sums) == \
            seeding.best_candidate(columns, weights, theirs, rows, their_sums)
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(sums, their_sums)
        np.testing.assert_array_equal(sums, np.cumsum(weights * ours))


def test_the_command_without_the_kernel_writes_the_same_png(tmp_path):
    """KMEANS_COMPRESS_KERNEL=0: the command runs on numpy alone (as where the kernel could not
    be built) and writes the same image as with the kernel."""
    written = []
    for value in ("1", "0"):
        out = tmp_path / f"kernel-{value}.png"
        done = subprocess.run([sys.executable, "-m", "autograder", "compress", "-k", "8", "-o",
                               str(out)], capture_output=True, text=True,
                              env={**os.environ, fused.ENVIRONMENT: value})
        assert done.returncode == 0, done.stderr
        with Image.open(out) as im:
            written.append((im.getpalette(), np.asarray(im)))
    assert written[0][0] == written[1][0]
    np.testing.assert_array_equal(written[0][1], written[1][1])


def test_the_stopping_rule(twin):
    """tol = 0 runs until no colour changes cluster; a larger tol stops sooner (never later),
    says it settled, and on the bundled photo lands within 0.5% of the distortion."""
    colours = colour_table.unique_colours(bundled().reshape(-1, 3))
    runs = {tol: palette.quantize_colours(colours, 16, tol=tol)
            for tol in (0.0, palette.TOL, 1e-3)}
    assert runs[0.0].stable and not runs[0.0].settled
    assert runs[0.0].steps >= runs[palette.TOL].steps >= runs[1e-3].steps
    assert runs[1e-3].settled and not runs[1e-3].stable
    exact = runs[0.0].distortion(colours)
    assert runs[palette.TOL].distortion(colours) <= exact * 1.005
    with pytest.raises(ValueError, match="--tol"):
        palette.quantize_colours(colours, 4, tol=-1.0)


def test_momentum_takes_fewer_steps_to_as_low_a_distortion(monkeypatch):
    """The default's momentum (see fused.py) ends at the distortion of plain steps at the same
    tol or lower, in fewer steps over the bundled photo and a coffee photo at K = 16 and 64 with
    seeds 0, 1 and 2 (a case may take more steps to a lower distortion), and in half the steps
    or fewer in one of them at least (how many fewer depends on the seeding: at seed 0 alone
    the most was 1.7 times fewer, at seed 2 3.3 times)."""
    photos = {"bundled": bundled()}
    with Image.open(paths.DATA / "coffee.jpg") as im:
        photos["coffee"] = np.asarray(im.convert("RGB"))
    steps = []
    for name, image in photos.items():
        colours = colour_table.unique_colours(image.reshape(-1, 3))
        for K, seed in itertools.product((16, 64), (0, 1, 2)):
            runs = {}
            for momentum in (0.0, fused.MOMENTUM):
                monkeypatch.setattr(fused, "MOMENTUM", momentum)
                runs[momentum] = palette.quantize_colours(colours, K, seed=seed)
            plain, fast = runs[0.0], runs[fused.MOMENTUM]
            assert fast.distortion(colours) <= plain.distortion(colours) * 1.001, (name, K, seed)
            steps.append((fast.steps, plain.steps))
    assert sum(fast for fast, _ in steps) < sum(plain for _, plain in steps), steps
    assert any(2 * fast <= plain for fast, plain in steps), steps


def test_momentum_ends_on_the_best_means_found_even_at_the_cap(monkeypatch):
    """Stopped by the cap while the momentum is on, the steps end on the means of the lowest
    distortion found, never on extrapolated centroids."""
    image = bundled()
    colours = colour_table.unique_colours(image.reshape(-1, 3))
    lloyd = fused.FusedLloyd(colours.rgb, colours.counts)
    start = seeding.kmeans_plus_plus(lloyd.X, lloyd.weights, 16, 0)
    seen = []  # every step's means and the distortion of its labels with them
    step = fused.FusedLloyd.step

    def spy(self, kernel_step, centroids, labels, upper, lower, drift, sums, totals, *rest):
        changed = step(self, kernel_step, centroids, labels, upper, lower, drift, sums, totals,
                       *rest)
        full = totals > 0
        means = np.where(full[:, None], sums / (255.0 * np.maximum(totals, 1)[:, None]),
                         centroids)
        d = self.X - means[labels]
        seen.append((float(self.weights @ np.einsum("mn,mn->m", d, d)), means))
        return changed

    monkeypatch.setattr(fused.FusedLloyd, "step", spy)
    for cap in range(2, 16):
        seen.clear()
        centroids = lloyd.run(start, cap, palette.TOL)[0]
        best = min(seen[:-1], key=lambda entry: entry[0])[1]  # the last call only labels
        np.testing.assert_array_equal(centroids, best)
