"""The `compress` command: a photo compressed to K colours, written with exactly those colours.

It reads the photo, finds its distinct colours once (:mod:`.colours`), chooses K colours by
K-means on them (:mod:`.palette`), and writes the result: by default an indexed (palette) PNG.
"""

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import imaging
from ..files import replacing
from .colours import unique_colours
from .palette import INITS, TOL, quantize_colours
from .png import write_palette_png
from .seeding import tries_for


def plural(n: int, word: str) -> str:
    """``1 colour``, ``2 colours``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class CompressionReport:
    """What compressing one photo did."""

    photo: Path
    K: int
    asked_K: int
    height: int
    width: int
    colours_before: int
    colours_after: int
    distortion: float
    seconds: float
    init: str
    steps: int
    stable: bool
    out: Path
    bytes_before: int
    bytes_after: int
    palette: bool
    compare: Path | None = None
    notes: list = field(default_factory=list)
    settled: bool = False  # the steps ended because the distortion fell by less than tol
    tol: float = 0.0

    @property
    def bits_before(self) -> int:
        return self.height * self.width * 24

    @property
    def bits_after(self) -> int:
        """Palette indices for every pixel plus the palette itself (K colours of 24 bits)."""
        return self.height * self.width * imaging.bits_per_pixel(self.K) + 24 * self.K

    def lines(self) -> list[str]:
        pixels = self.height * self.width
        seedings = tries_for(self.K)
        how = ((f"the best of {seedings} k-means++ seedings" if seedings > 1 else
                "k-means++ seeding") + f", then {plural(self.steps, 'step')}" +
               (" until no colour changed cluster" if self.stable else
                f" until the colours settled (five steps in a row each lowered the "
                f"distortion by at most {self.tol:g} of itself)" if self.settled else
                " (the cap: colours were still changing cluster)")
               if self.init == "k-means++" else
               f"random initial colours, {plural(self.steps, 'step')}")
        kind = "palette" if self.palette else "RGB"
        return [
            *(f"note         {note}" for note in self.notes),
            f"photo        {self.photo} ({self.width} x {self.height}, "
            f"{plural(self.colours_before, 'colour')})",
            f"compressed   to {plural(self.colours_after, 'colour')} (K = {self.K}) in "
            f"{self.seconds:.2f} s: {how}",
            f"distortion   {self.distortion:.6f} (mean squared error on the [0, 1] scale)",
            f"storage      {self.bits_before / 8 / 1024:.1f} KiB at 24 bits a pixel -> "
            f"{self.bits_after / 8 / 1024:.1f} KiB at {imaging.bits_per_pixel(self.K)} "
            f"{'bit' if imaging.bits_per_pixel(self.K) == 1 else 'bits'} a pixel plus a palette "
            f"of {plural(self.K, 'colour')} ({ratio(self.bits_before, self.bits_after)}, "
            f"{pixels} pixels, before any file compression)",
            f"files        {self.photo.name} {self.bytes_before / 1024:.1f} KiB -> "
            f"{self.out.name} {self.bytes_after / 1024:.1f} KiB ({kind} "
            f"{self.out.suffix.lstrip('.').upper()}: "
            f"{ratio(self.bytes_before, self.bytes_after)})",
            f"wrote        {self.out}" + (f" and {self.compare}" if self.compare else ""),
        ]


def ratio(before: float, after: float) -> str:
    """``2.1x smaller``, ``1.3x larger`` or ``the same size``, said the way it is."""
    if after < before:
        return f"{before / after:.1f}x smaller" if after else "smaller"
    if after > before:
        return f"{after / before:.1f}x larger" if before else "larger"
    return "the same size"


class TerminalProgress:
    """One status line on stderr, rewritten in place; shown only when stderr is a terminal."""

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.shown = self.stream.isatty()
        self.width = 0

    def __call__(self, text: str) -> None:
        if self.shown:
            self.stream.write("\r" + text.ljust(self.width))
            self.stream.flush()
            self.width = len(text)

    def clear(self) -> None:
        if self.shown and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


# Formats the compressed image can be written in without changing a colour, by extension.
# A palette holds at most 256 colours; past that PNG, BMP and TIFF are written as RGB.
FORMATS = {".png": "PNG", ".gif": "GIF", ".bmp": "BMP", ".tif": "TIFF", ".tiff": "TIFF"}
LOSSY = {".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".jfif": "JPEG", ".webp": "WebP",
         ".avif": "AVIF", ".heic": "HEIC", ".heif": "HEIF", ".jp2": "JPEG 2000"}


def output_format(out: Path, K: int) -> str:
    """The Pillow format ``out`` is written in, or ValueError saying why it cannot be."""
    suffix = out.suffix.lower()
    if suffix in LOSSY:
        raise ValueError(
            f"--out {out}: {LOSSY[suffix]} is lossy and would change the {K} colours found "
            f"(and usually make the file larger); use .png")
    if suffix not in FORMATS:
        raise ValueError(f"--out {out}: cannot tell the format from {suffix or 'no extension'}; "
                         f"use one of {', '.join(FORMATS)}")
    if FORMATS[suffix] == "GIF" and K > 256:
        raise ValueError(f"--out {out}: a GIF holds at most 256 colours, not {K}; use .png")
    return FORMATS[suffix]


def write_indexed(palette: np.ndarray, labels: np.ndarray, out: Path, fmt: str,
                  rgb: bool = False) -> bool:
    """Write the image ``palette[labels]``: with the palette itself when it has at most 256
    colours (and ``rgb`` is false), else as RGB. Returns whether a palette was written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    indexed = len(palette) <= 256 and not rgb
    if indexed and fmt == "PNG":
        with replacing(out) as handle:  # a photo half written is never left under its name
            write_palette_png(handle, palette, labels)
        return True
    from PIL import Image

    if indexed:
        im = Image.fromarray(labels.astype(np.uint8, copy=False), mode="L")
        im.putpalette(palette.ravel().tolist(), rawmode="RGB")
    else:
        im = Image.fromarray(palette[labels], mode="RGB")
    # An RGB PNG is written at zlib's default level in one pass: Pillow's optimize (level 9)
    # took 9 times the CPU on a 12-megapixel palette image for a file 7% smaller.
    options = {"optimize": True} if fmt == "GIF" else {}
    if fmt == "TIFF":
        options = {"compression": "tiff_deflate"}
    with replacing(out) as handle:
        im.save(handle, format=fmt, **options)
    return indexed


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.samefile(b))
    except OSError:
        return False


def compress_photo(photo, K: int, out, compare=None, max_iters: int | None = None,
                   seed: int | None = 0, init: str = "k-means++", rgb: bool = False,
                   progress=None, tol: float = TOL) -> CompressionReport:
    """Compress ``photo`` to K colours, write it to ``out`` (and a side-by-side to ``compare``).

    ``max_iters`` caps the Lloyd steps (None: until the colours settle, at most ``MAX_STEPS``,
    for k-means++; 10 for random); ``tol`` says when they have settled (see
    :func:`.palette.quantize_colours`; 0: when no colour changes cluster). ``progress(text)``
    is told what is being done.
    Raises :class:`imaging.ImageError` for a photo that cannot be read and ValueError for
    options out of range or an output that would overwrite the photo or lose colours.
    """
    photo, out = Path(photo), Path(out)
    if K < 1:
        raise ValueError(f"--colors must be 1 or more, got {K}")
    if max_iters is not None and max_iters < 0:
        raise ValueError(f"--iters must be 0 or more, got {max_iters}")
    if seed is not None and seed < 0:
        raise ValueError(f"--seed must be 0 or more, got {seed}")
    if init not in INITS:
        raise ValueError(f"--init must be one of {', '.join(INITS)}, got {init}")
    if not tol >= 0:
        raise ValueError(f"--tol must be 0 or more, got {tol}")
    if same_file(photo, out) or (compare is not None and same_file(photo, Path(compare))):
        raise ValueError(f"--out {out} is the photo being compressed; choose another name "
                         f"(the original would be lost)")
    fmt = output_format(out, K)
    say = progress or (lambda text: None)
    if not photo.exists():
        raise imaging.ImageError(f"{photo}: no such file")
    bytes_before = photo.stat().st_size  # read before anything is written
    say(f"reading {photo.name}")
    image = imaging.load_rgb(photo)
    height, width = image.shape[:2]
    start = time.perf_counter()
    say("finding the distinct colours")
    pixels = image.reshape(-1, 3)
    colours = unique_colours(pixels)  # counted once: the report's count is its length
    colours_before = len(colours)
    notes = []
    asked = K
    if K > colours_before:
        notes.append(f"the photo has only {plural(colours_before, 'distinct colour')}, so K is "
                     f"{colours_before}, not {asked}")
        K = colours_before
        fmt = output_format(out, K)
    found = quantize_colours(colours, K, init, max_iters, seed, say, pixels, tol)
    palette, labels = found.palette, found.labels(colours, (height, width))
    seconds = time.perf_counter() - start
    error = found.distortion(colours)
    after = found.colours_used()
    steps, stable = found.steps, found.stable
    say(f"writing {out.name}")
    indexed = write_indexed(palette, labels, out, fmt, rgb)
    if not indexed and not rgb:
        notes.append(f"a palette holds at most 256 colours, so {out.name} is an RGB image")
    if compare is not None:
        say(f"drawing {Path(compare).name}")
        compare = imaging.side_by_side(
            [(image, f"original ({plural(colours_before, 'colour')})"),
             (palette[labels], f"K = {K}: {plural(after, 'colour')}, distortion {error:.5f}")],
            compare)
    return CompressionReport(photo, K, asked, height, width, colours_before, after, error,
                             seconds, init, steps, stable, out, bytes_before,
                             out.stat().st_size, indexed, compare, notes, found.settled, tol)
