"""An image's distinct colours, how many pixels have each, and which each pixel is: counted once.

K-means on the distinct colours, each weighted by its count, gives the same assignments and
means as on every pixel (up to the order of floating-point sums) with far fewer rows; the count
of distinct colours the `compress` command reports is the length of the same list.

Three ways to the same list, counts and pixel rows (``tests/test_compress_engine.py``): with the
compiled kernel (:mod:`.fused`), a bitmap of the 2**24 colour codes with a rank index (3 MiB
however large the image; every pixel read twice); without it, sorting the codes of a small
image, or a table from every code to its row (64 MiB) for a large one.
"""

import functools

import numpy as np

from . import fused

# Below this many pixels the 24-bit colour codes are sorted; from it on, a table of all 2**24
# codes is filled instead, which is faster than sorting millions of codes. A large image's codes
# are made this many pixels at a time, never all at once (4 bytes a pixel saved).
TABLE_FROM_PIXELS = 1 << 20
CHUNK = 1 << 20


def codes_of(pixels: np.ndarray) -> np.ndarray:
    """The 24-bit code ``(r << 16) | (g << 8) | b`` of each of (m, 3) uint8 pixels, as uint32."""
    codes = pixels[:, 0].astype(np.uint32) << 16
    codes |= pixels[:, 1].astype(np.uint32) << 8
    codes |= pixels[:, 2]
    return codes


class Colours:
    """The distinct colours of (m, 3) uint8 pixels.

    ``rgb`` (U, 3) uint8: the distinct colours in increasing order of their 24-bit code (red,
    then green, then blue); ``counts`` (U,) int64: how many pixels have each; ``which`` (m,) int:
    the row of ``rgb`` every pixel has (``rgb[which] == pixels``). A large image keeps, instead
    of ``which``, a table from every 24-bit code to its row (64 MiB however large the image),
    and :meth:`lookup` reads it a chunk of pixels at a time.
    """

    def __init__(self, pixels: np.ndarray, rgb: np.ndarray, counts: np.ndarray,
                 which: np.ndarray | None = None, position: np.ndarray | None = None,
                 bitmap=None):
        self.pixels, self.rgb, self.counts = pixels, rgb, counts
        self._which, self._position, self._bitmap = which, position, bitmap

    def __len__(self) -> int:
        return len(self.counts)

    def scaled(self) -> np.ndarray:
        """The colours as a (U, 3) float64 array on the [0, 1] scale."""
        return self.rgb / 255.0

    def lookup(self, per_colour: np.ndarray) -> np.ndarray:
        """``per_colour[which]``: a value for every pixel from a (U,) value for every colour."""
        if self._which is not None:
            return per_colour[self._which]
        if self._bitmap is not None:  # (bits, rank index, kernel)
            bits, before, kernel = self._bitmap
            values = np.ascontiguousarray(per_colour)
            if values.dtype not in (np.uint8, np.int32):
                values = values.astype(np.int32)
            out = np.empty(len(self.pixels), dtype=values.dtype)
            kernel.lookup(self.pixels, bits, before, values, out, values.itemsize)
            return out
        out = np.empty(len(self.pixels), dtype=per_colour.dtype)
        for first in range(0, len(self.pixels), CHUNK):
            codes = codes_of(self.pixels[first:first + CHUNK])
            out[first:first + CHUNK] = per_colour[self._position[codes]]
        return out

    @functools.cached_property
    def which(self) -> np.ndarray:
        return self._which if self._which is not None else self.lookup(
            np.arange(len(self), dtype=np.int32))


def unique_colours(pixels: np.ndarray) -> Colours:
    """The :class:`Colours` of (m, 3) uint8 pixels."""
    pixels = np.asarray(pixels)
    kernel = fused.kernel()
    if kernel is not None and pixels.dtype == np.uint8 and pixels.ndim == 2 and \
            pixels.shape[1] == 3 and pixels.flags.c_contiguous:
        bits, before = np.zeros(1 << 18, dtype=np.uint64), np.empty(1 << 18, dtype=np.uint32)
        present = np.empty(kernel.table(pixels, bits, before), dtype=np.uint32)
        kernel.present(bits, present)
        counts = np.zeros(len(present), dtype=np.int64)
        kernel.count(pixels, bits, before, counts)
        return Colours(pixels, _rgb(present), counts, bitmap=(bits, before, kernel))
    if len(pixels) < TABLE_FROM_PIXELS:
        present, which, counts = np.unique(codes_of(pixels), return_inverse=True,
                                           return_counts=True)
        return Colours(pixels, _rgb(present), counts.astype(np.int64), which=which.ravel())
    seen = np.zeros(1 << 24, dtype=bool)
    for first in range(0, len(pixels), CHUNK):
        seen[codes_of(pixels[first:first + CHUNK])] = True
    present = np.flatnonzero(seen).astype(np.uint32)
    del seen
    position = np.zeros(1 << 24, dtype=np.int32)
    position[present] = np.arange(len(present), dtype=np.int32)
    counts = np.zeros(len(present), dtype=np.int64)
    for first in range(0, len(pixels), CHUNK):
        counts += np.bincount(position[codes_of(pixels[first:first + CHUNK])],
                              minlength=len(present))
    return Colours(pixels, _rgb(present), counts, position=position)


def _rgb(codes: np.ndarray) -> np.ndarray:
    return np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=1).astype(np.uint8)
