"""An image's distinct colours, how many pixels have each, and which each pixel is: counted once.

K-means on the distinct colours, each weighted by its count, gives the same assignments and
means as on every pixel (up to the order of floating-point sums) with far fewer rows; the count
of distinct colours the `compress` command reports is the length of the same list.
"""

from dataclasses import dataclass

import numpy as np

# Below this many pixels the 24-bit colour codes are sorted; from it on, a table of all 2**24
# codes is filled instead, which is faster than sorting millions of codes.
TABLE_FROM_PIXELS = 1 << 20


@dataclass(frozen=True)
class Colours:
    """``rgb`` (U, 3) uint8, the distinct colours in increasing order of their 24-bit code
    (red, then green, then blue); ``counts`` (U,) int64, how many pixels have each; ``which``
    (m,) int, the row of ``rgb`` every pixel has (``rgb[which] == pixels``)."""

    rgb: np.ndarray
    counts: np.ndarray
    which: np.ndarray

    def __len__(self) -> int:
        return len(self.counts)

    def scaled(self) -> np.ndarray:
        """The colours as a (U, 3) float64 array on the [0, 1] scale."""
        return self.rgb / 255.0


def codes_of(pixels: np.ndarray) -> np.ndarray:
    """The 24-bit code ``(r << 16) | (g << 8) | b`` of each of (m, 3) uint8 pixels, as uint32."""
    codes = pixels[:, 0].astype(np.uint32) << 16
    codes |= pixels[:, 1].astype(np.uint32) << 8
    codes |= pixels[:, 2]
    return codes


def unique_colours(pixels: np.ndarray) -> Colours:
    """The :class:`Colours` of (m, 3) uint8 pixels."""
    codes = codes_of(np.asarray(pixels))
    if len(codes) < TABLE_FROM_PIXELS:
        present, which, counts = np.unique(codes, return_inverse=True, return_counts=True)
        which = which.ravel()
    else:
        seen = np.zeros(1 << 24, dtype=bool)
        seen[codes] = True
        present = np.flatnonzero(seen).astype(np.uint32)
        del seen
        position = np.zeros(1 << 24, dtype=np.int32)
        position[present] = np.arange(len(present), dtype=np.int32)
        which = position[codes]
        del position, codes
        counts = np.bincount(which, minlength=len(present))
    rgb = np.stack([present >> 16, (present >> 8) & 255, present & 255], axis=1).astype(np.uint8)
    return Colours(rgb, counts.astype(np.int64), which)
