"""Compress a photo to K colours with the reference solution: the `compress` command's job."""

import time
from dataclasses import dataclass
from pathlib import Path

from . import imaging, reference


@dataclass
class CompressionReport:
    """What compressing one photo did."""

    photo: Path
    K: int
    height: int
    width: int
    colours_before: int
    colours_after: int
    distortion: float
    seconds: float
    out: Path
    compare: Path | None

    @property
    def bits_before(self) -> int:
        return self.height * self.width * 24

    @property
    def bits_after(self) -> int:
        """Palette indices for every pixel plus the palette itself (K colours of 24 bits)."""
        return self.height * self.width * imaging.bits_per_pixel(self.K) + 24 * self.K

    def lines(self) -> list[str]:
        pixels = self.height * self.width
        return [
            f"photo        {self.photo} ({self.width} x {self.height}, "
            f"{self.colours_before} colours)",
            f"compressed   to {self.colours_after} colours (K = {self.K}) in {self.seconds:.2f} s",
            f"distortion   {self.distortion:.6f} (mean squared error on the [0, 1] scale)",
            f"storage      {self.bits_before / 8 / 1024:.1f} KiB at 24 bits a pixel -> "
            f"{self.bits_after / 8 / 1024:.1f} KiB at {imaging.bits_per_pixel(self.K)} bits a "
            f"pixel plus a {self.K}-colour palette ({self.bits_before / self.bits_after:.1f}x "
            f"smaller, {pixels} pixels)",
            f"files        {self.photo.name} {self.photo.stat().st_size / 1024:.1f} KiB -> "
            f"{self.out.name} {self.out.stat().st_size / 1024:.1f} KiB (PNG)",
            f"wrote        {self.out}" + (f" and {self.compare}" if self.compare else ""),
        ]


def compress_photo(photo, K: int, out, compare=None, max_iters: int = 10,
                   seed: int | None = 0) -> CompressionReport:
    """Compress ``photo`` to K colours, write it to ``out`` (and a side-by-side to ``compare``).

    Raises :class:`imaging.ImageError` for a photo that cannot be read and ValueError for a K or
    iteration count out of range.
    """
    image = imaging.load_rgb(photo)
    height, width = image.shape[:2]
    if K < 1 or K > height * width:
        raise ValueError(f"--colors must be between 1 and the number of pixels "
                         f"({height * width}), got {K}")
    if max_iters < 0:
        raise ValueError(f"--iters must be 0 or more, got {max_iters}")
    start = time.perf_counter()
    compressed = reference.load().compress_image(image, K, max_iters=max_iters, rng=seed)
    seconds = time.perf_counter() - start
    error = imaging.distortion(image, compressed)
    after = imaging.count_colours(compressed)
    out = imaging.save_png(compressed, out)
    if compare is not None:
        compare = imaging.side_by_side(
            [(image, f"original ({imaging.count_colours(image)} colours)"),
             (compressed, f"K = {K}: {after} colours, distortion {error:.5f}")],
            compare)
    return CompressionReport(Path(photo), K, height, width, imaging.count_colours(image), after,
                             error, seconds, out, compare)
