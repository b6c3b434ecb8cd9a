"""Choosing K colours for an image: K-means on its distinct colours, weighted by their counts.

By default greedy k-means++ seeding (the best of a few seedings up to K = 64), then Lloyd's
steps until no colour changes cluster. ``init="random"`` does what the assignment's
``compress_image`` does (K distinct pixels drawn with the seed, 10 steps), with the same result.
"""

from dataclasses import dataclass

import numpy as np

from .colours import Colours, unique_colours
from .lloyd import WeightedLloyd, run_weighted_kmeans
from .seeding import SEEDING_ROWS, TRIAL_STEPS, kmeans_plus_plus, tries_for

INITS = ("k-means++", "random")
# Steps at most when running until no colour changes cluster (the k-means++ default); photos
# take a few dozen at K = 16 and rarely more than 150 at K = 256.
MAX_STEPS = 300
ASSIGNMENT_STEPS = 10  # what compress_image does, and so --init random by default


@dataclass
class Quantized:
    """K colours found for an image's distinct colours.

    ``palette`` (K, 3) uint8: the rounded centroids (duplicates possible after rounding);
    ``idx`` (U,) int64: the palette row of every distinct colour; ``steps``: Lloyd steps run;
    ``stable``: whether they ended because no colour changed cluster.
    """

    palette: np.ndarray
    idx: np.ndarray
    steps: int
    stable: bool

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
        return len(np.unique(self.palette[np.unique(self.idx)], axis=0))


def quantize_colours(colours: Colours, K: int, init: str = "k-means++",
                     max_iters: int | None = None, seed: int | None = 0, progress=None,
                     pixels: np.ndarray | None = None) -> Quantized:
    """Choose K colours for an image whose distinct colours are ``colours``.

    ``init="random"`` needs the image's (m, 3) uint8 ``pixels``: its initial colours are drawn
    from them exactly as the reference's ``kmeans_init_centroids(pixels, K, seed)`` does.
    """
    if init not in INITS:
        raise ValueError(f"--init must be one of {', '.join(INITS)}, got {init}")
    say = progress or (lambda text: None)
    if max_iters is None:
        max_iters = MAX_STEPS if init == "k-means++" else ASSIGNMENT_STEPS
    X = colours.scaled()
    counts = colours.counts
    lloyd = WeightedLloyd(X, counts)
    if init == "random":  # exactly as compress_image: K distinct pixels, drawn with the seed
        from .. import reference

        if pixels is None:
            raise ValueError("init='random' draws its initial colours from the pixels")
        initial = reference.load().kmeans_init_centroids(pixels, K, seed) / 255.0
    else:
        rng = np.random.default_rng(seed)
        seeding_rows, seeding_counts = X, counts
        if len(X) > SEEDING_ROWS:  # seed on a sample of pixels, as colours weighted by counts
            sample = rng.choice(len(X), size=SEEDING_ROWS, p=counts / counts.sum())
            rows, sample_counts = np.unique(sample, return_counts=True)
            if len(rows) >= 4 * K:
                seeding_rows, seeding_counts = X[rows], sample_counts
        best, tries = None, tries_for(K)
        for attempt in range(1, tries + 1):
            say(f"choosing {K} initial colours: k-means++ seeding {attempt} of {tries}")
            start = kmeans_plus_plus(seeding_rows, seeding_counts, K, rng)
            centroids, idx = run_weighted_kmeans(X, counts, start, min(TRIAL_STEPS, max_iters),
                                                 until_stable=True, lloyd=lloyd)
            error = float(counts @ np.einsum("mn,mn->m", X - centroids[idx], X - centroids[idx]))
            if best is None or error < best[0]:
                best = (error, centroids)
        initial = best[1]
    steps = []

    def on_step(step, changed):
        steps.append(changed)
        moved = "" if changed < 0 else f", {changed} of {len(X)} colours changed cluster"
        say(f"K-means step {step} of at most {max_iters}{moved}")

    centroids, idx = run_weighted_kmeans(X, counts, initial, max_iters, until_stable=True,
                                         on_step=on_step, lloyd=lloyd)
    palette = np.clip(np.rint(centroids * 255.0), 0, 255).astype(np.uint8)
    return Quantized(palette, idx, len(steps), bool(steps) and steps[-1] == 0)


def quantize(image: np.ndarray, K: int, init: str = "k-means++", max_iters: int | None = None,
             seed: int | None = 0, progress=None):
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
    found = quantize_colours(colours, K, init, max_iters, seed, progress, pixels)
    return found.palette, found.labels(colours, image.shape[:2]), found.steps, found.stable
