"""Choosing K colours for an image: K-means on its distinct colours, weighted by their counts.

By default greedy k-means++ seeding (the best of a few seedings up to K = 64), then Lloyd's
steps (:mod:`.fused`, with momentum at first) until the colours settle: until five steps in a
row each lower the distortion by at most ``tol`` (:data:`TOL`) times itself, or no colour
changes cluster, at most :data:`MAX_STEPS` steps; ``tol=0`` runs plain steps until no colour
changes cluster. ``init="random"`` does what the assignment's ``compress_image`` does (K
distinct pixels drawn with the seed, 10 steps), with the same result.
"""

import functools
from dataclasses import dataclass

import numpy as np

from .colours import Colours, unique_colours
from .fused import FusedLloyd
from .lloyd import WeightedLloyd, run_weighted_kmeans
from .seeding import SEEDING_ROWS, draw_counts, generator, kmeans_plus_plus, trials_for

INITS = ("k-means++", "random")
# Steps at most for the k-means++ default; until no colour changes cluster photos take a few
# dozen at K = 16 and rarely more than 150 at K = 256.
MAX_STEPS = 300
# The default stops when five steps in a row (fused.PATIENCE) have each lowered the distortion
# by at most this fraction of itself. Chosen by measurement (benchmarks/kmeans_speed.py, the
# sizes group: 1, 4 and 12 MP at K = 8, 16, 64): stopping at the first such step, the 1 MP photo
# at K = 16 stopped on a slow slope 1.2% above scikit-learn's k-means++ (at 1e-5) or needed 1e-6
# (more steps at K = 64); five in a row at 1e-5 put every row at or below scikit-learn's, in up
# to 4 times fewer steps than until no colour changes cluster.
TOL = 1e-5
ASSIGNMENT_STEPS = 10  # what compress_image does, and so --init random by default


@dataclass
class Quantized:
    """K colours found for an image's distinct colours.

    ``palette`` (K, 3) uint8: the rounded centroids (duplicates possible after rounding);
    ``idx`` (U,) int64: the palette row of every distinct colour; ``steps``: Lloyd steps run;
    ``stable``: whether they ended because no colour changed cluster; ``settled``: because
    the colours moved less than the tolerance.
    """

    palette: np.ndarray
    idx: np.ndarray
    steps: int
    stable: bool
    settled: bool = False

    def labels(self, colours: Colours, shape) -> np.ndarray:
        """The palette row of every pixel, as an array of ``shape``: uint8 when the palette has
        at most 256 colours (what an indexed image stores), else int32."""
        dtype = np.uint8 if len(self.palette) <= 256 else np.int32
        return colours.lookup(self.idx.astype(dtype)).reshape(shape)

    def squared_error(self, colours: Colours) -> int:
        """The sum over pixels of the squared 0-255 error, exact (integers)."""
        difference = colours.rgb.astype(np.int64) - self.palette[self.idx]
        return int(colours.counts @ np.einsum("mn,mn->m", difference, difference))

    def distortion(self, colours: Colours) -> float:
        """The mean squared error against the image on the [0, 1] scale."""
        pixels = int(colours.counts.sum())
        return self.squared_error(colours) / (pixels * colours.rgb.shape[1] * 255.0 ** 2)

    def colours_used(self) -> int:
        """How many distinct colours the compressed image has."""
        used = self.palette[np.bincount(self.idx, minlength=len(self.palette)) > 0]
        # a set, not np.unique, which imports numpy.ma (30 ms) to check for a mask
        return len({tuple(colour) for colour in used.tolist()})


def quantize_colours(colours: Colours, K: int, init: str = "k-means++",
                     max_iters: int | None = None, seed: int | None = 0, progress=None,
                     pixels: np.ndarray | None = None, tol: float = TOL) -> Quantized:
    """Choose K colours for an image whose distinct colours are ``colours``.

    ``tol`` (k-means++ only): the steps stop once five in a row have each lowered the
    distortion by at most ``tol`` times itself; 0 runs until no colour changes cluster.

    ``init="random"`` needs the image's (m, 3) uint8 ``pixels``: its initial colours are drawn
    from them exactly as the reference's ``kmeans_init_centroids(pixels, K, seed)`` does.
    """
    if init not in INITS:
        raise ValueError(f"--init must be one of {', '.join(INITS)}, got {init}")
    say = progress or (lambda text: None)
    if max_iters is None:
        max_iters = MAX_STEPS if init == "k-means++" else ASSIGNMENT_STEPS
    if not tol >= 0:
        raise ValueError(f"--tol must be 0 or more, got {tol}")
    counts = colours.counts

    def on_step(step, changed):
        moved = "" if changed < 0 else f", {changed} of {len(colours)} colours changed cluster"
        say(f"K-means step {step} of at most {max_iters}{moved}")

    if init == "random":  # exactly as compress_image: K distinct pixels, drawn with the seed
        from .. import reference

        if pixels is None:
            raise ValueError("init='random' draws its initial colours from the pixels")
        initial = reference.load().kmeans_init_centroids(pixels, K, seed) / 255.0
        X = colours.scaled()
        steps = []
        centroids, idx = run_weighted_kmeans(
            X, counts, initial, max_iters, until_stable=True,
            on_step=lambda step, changed: (steps.append(changed), on_step(step, changed)),
            lloyd=WeightedLloyd(X, counts))
        palette = np.clip(np.rint(centroids * 255.0), 0, 255).astype(np.uint8)
        return Quantized(palette, idx, len(steps), bool(steps) and steps[-1] == 0)
    lloyd = FusedLloyd(colours.rgb, counts)
    X = lloyd.X  # the colours on the [0, 1] scale, as the steps see them
    rng = generator(seed)
    seeding_rgb, seeding_rows, seeding_counts = colours.rgb, X, counts
    if len(X) > SEEDING_ROWS:  # seed on a sample of pixels, as colours weighted by counts
        drawn = draw_counts(rng, np.cumsum(counts), SEEDING_ROWS)
        rows = np.flatnonzero(drawn)
        if len(rows) >= 4 * K:
            seeding_rgb, seeding_counts = colours.rgb[rows], drawn[rows].astype(np.float64)
            seeding_rows = X[rows]
    tries, trial_steps = trials_for(K)
    if tries == 1:
        say(f"choosing {K} initial colours: k-means++ seeding")
        initial = kmeans_plus_plus(seeding_rows, seeding_counts, K, rng)
    else:
        say(f"choosing {K} initial colours: the best of {tries} k-means++ seedings")
        # the trials run on the seeding sample, until no colour changes cluster or trial_steps
        trial = FusedLloyd(seeding_rgb, seeding_counts)

        def attempt(draws):
            start = kmeans_plus_plus(seeding_rows, seeding_counts, K, draws)
            centroids, idx, _, _ = trial.run(start, min(trial_steps, max_iters), 0.0)
            d = seeding_rows - centroids[idx]
            # einsum, not a vector product: OpenBLAS would wake its threads, which then spin
            return float(np.einsum("m,m->", seeding_counts, np.einsum("mn,mn->m", d, d))), centroids

        # each seeding draws from its own generator, seeded in turn from the seed's: the same
        # seedings whichever thread runs them and whenever
        found = tried_at_once(attempt, [generator(rng.getrandbits(64)) for _ in range(tries)])
        initial = min(found, key=lambda tried: tried[0])[1]  # the first of the least error
        if len(seeding_rows) < len(X):  # on to the sample's own optimum
            initial = trial.run(initial, max_iters, tol)[0]
    centroids, idx, steps, stable = lloyd.run(initial, max_iters, tol, on_step)
    palette = np.clip(np.rint(centroids * 255.0), 0, 255).astype(np.uint8)
    return Quantized(palette, idx, steps, stable, not stable and steps < max_iters)


def tried_at_once(attempt, arguments: list) -> list:
    """``[attempt(a) for a in arguments]``, the odd ones on another thread while this one runs
    the even ones (the seedings and their trial steps let go of the GIL in the kernel and in
    numpy's loops: at K = 64, 1 megapixel, the three tries took 35 ms of wall time, not 60)."""
    if len(arguments) < 2:
        return [attempt(a) for a in arguments]
    others = [_tries_thread().submit(attempt, a) for a in arguments[1::2]]
    mine = [attempt(a) for a in arguments[::2]]
    return [mine[i // 2] if i % 2 == 0 else others[i // 2].result()
            for i in range(len(arguments))]


@functools.cache
def _tries_thread():
    """The thread :func:`tried_at_once` runs its odd attempts on, its own: a trial's steps may
    themselves be split onto :mod:`.fused`'s thread."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="seeding")


def quantize(image: np.ndarray, K: int, init: str = "k-means++", max_iters: int | None = None,
             seed: int | None = 0, progress=None, tol: float = TOL):
    """Choose K colours for an (H, W, 3) uint8 image.

    Returns ``(palette, labels, steps, stable)``: the (K, 3) uint8 colours found (the rounded
    centroids; duplicates possible after rounding), the (H, W) palette index of every pixel,
    how many Lloyd steps ran, and whether they ended because no colour changed cluster. With
    ``init="random"`` and ``max_iters=10`` the image ``palette[labels]`` is exactly what the
    reference's ``compress_image(image, K, 10, seed)`` returns.
    """
    if init not in INITS:
        raise ValueError(f"--init must be one of {', '.join(INITS)}, got {init}")
    say = progress or (lambda text: None)
    pixels = image.reshape(-1, 3)
    say("finding the distinct colours")
    colours = unique_colours(pixels)
    found = quantize_colours(colours, K, init, max_iters, seed, progress, pixels, tol)
    return found.palette, found.labels(colours, image.shape[:2]), found.steps, found.stable
