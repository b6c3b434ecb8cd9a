"""The `compress` command: a photo compressed to K colours, written with exactly those colours.

It reads the photo, finds its distinct colours once (:mod:`.colours`), chooses K colours by
K-means on them (:mod:`.palette`), and writes the result: by default an indexed (palette) PNG.
"""

import struct
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import imaging
from ..files import replacing
from .colours import unique_colours
from .palette import INITS, TOL, quantize_colours
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


# The rows of a palette PNG are compressed this many bytes at a time (not all copied at once).
PNG_BLOCK = 1 << 18
# From this many bytes of rows on, the two halves of a PNG's rows are compressed at once, on two
# threads (zlib lets go of the GIL while it compresses), the second half with the last 32 KiB
# (deflate's window) of the first as its dictionary, so that it can refer back across the split
# as one stream would: the same file to a few bytes, in about half the wall time.
PNG_SPLIT_FROM = 1 << 18
WINDOW = 1 << 15
ZLIB_HEADER = zlib.compress(b"")[:2]  # deflate, a 32 KiB window, zlib's default level
ADLER = 65521  # Adler-32's modulus


def png_bits(K: int) -> int:
    """The bit depth of a palette PNG of K colours: 1, 2, 4 or 8 (as Pillow chooses it)."""
    return 1 if K <= 2 else 2 if K <= 4 else 4 if K <= 16 else 8


def write_palette_png(handle, palette: np.ndarray, labels: np.ndarray) -> None:
    """Write to the binary ``handle`` the palette PNG of (K, 3) uint8 ``palette`` (K <= 256)
    and (H, W) ``labels`` in [0, K): the K colours and, at :func:`png_bits` a pixel, every
    pixel's index, with no filter and zlib at its default level.

    The same pixels, palette and bit depth as Pillow's PNG of the image, written without it:
    Pillow chooses a filter for every row at 1 to 4 bits a pixel, which the PNG specification
    advises against for palette images. With none, on the benchmark's photo at 1 megapixel the
    PNG at K = 8 (4 bits a pixel) was 17% smaller and took 11 ms of CPU to write against 16,
    at K = 16 19% smaller in 17 ms against 24 (at 12 megapixels: 13% smaller, 122 ms against
    174). At 8 bits a pixel (K = 64) the file and the time are Pillow's, nearly all zlib's;
    a lower level than zlib's default (6) wrote files 5% (level 5, in half the time) to 40%
    (level 1) larger. From :data:`PNG_SPLIT_FROM` bytes of rows on, two threads compress them.
    """
    labels = np.asarray(labels)
    height, width = labels.shape
    bits = png_bits(len(palette))
    line = 1 + -(-width * bits // 8)  # a row's bytes: its filter byte, then its indices
    if height >= 2 and height * line >= PNG_SPLIT_FROM:
        middle = height // 2
        before = min(middle, -(-WINDOW // line))  # the rows the dictionary comes from
        dictionary = _scanlines(labels[middle - before:middle], bits).tobytes()[-WINDOW:]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as other:
            second = other.submit(_deflate, labels[middle:], bits, True, dictionary)
            parts, adler = _deflate(labels[:middle], bits, False)
            more, more_adler = second.result()
        parts += more
        adler = adler32_combine(adler, more_adler, (height - middle) * line)
    else:
        parts, adler = _deflate(labels, bits, True)
    handle.write(b"\x89PNG\r\n\x1a\n")
    _png_chunk(handle, b"IHDR", [struct.pack(">IIBBBBB", width, height, bits, 3, 0, 0, 0)])
    _png_chunk(handle, b"PLTE", [np.ascontiguousarray(palette, dtype=np.uint8).tobytes()])
    _png_chunk(handle, b"IDAT", [ZLIB_HEADER, *parts, struct.pack(">I", adler)])
    _png_chunk(handle, b"IEND", [])


def _scanlines(labels: np.ndarray, bits: int, out: np.ndarray | None = None,
               spread: np.ndarray | None = None) -> np.ndarray:
    """The (n, W) ``labels`` as PNG rows: a filter byte 0, then the indices at ``bits`` a pixel,
    the first in the high bits of its byte; in ``out`` (n or more rows, zeros in column 0) when
    given, packed through ``spread`` (n or more rows of a whole number of bytes' indices, zeros
    past W) below 8 bits."""
    n, width = labels.shape
    per_byte = 8 // bits
    row_bytes = -(-width // per_byte)
    if out is None:
        out = np.zeros((n, 1 + row_bytes), dtype=np.uint8)
    rows = out[:n, 1:]
    if per_byte == 1:
        rows[:] = labels
        return out[:n]
    if spread is None:
        spread = np.zeros((n, row_bytes * per_byte), dtype=np.uint8)
    spread = spread[:n]
    spread[:, :width] = labels
    spread = spread.reshape(n, row_bytes, per_byte)
    np.left_shift(spread[:, :, 0], 8 - bits, out=rows)
    for j in range(1, per_byte):
        rows |= spread[:, :, j] << (8 - bits * (j + 1))
    return out[:n]


def _deflate(labels: np.ndarray, bits: int, last: bool, dictionary: bytes = b""):
    """Raw deflate of the PNG rows of (n, W) ``labels``, :data:`PNG_BLOCK` bytes of rows at a
    time: ``(parts, adler)``, the compressed pieces (ending the stream when ``last``, else on a
    byte boundary that the next part's deflate can follow) and the Adler-32 of the rows."""
    n, width = labels.shape
    line = 1 + -(-width * bits // 8)
    rows = max(1, PNG_BLOCK // line)
    block = np.zeros((min(rows, n), line), dtype=np.uint8)
    spread = None if bits == 8 else np.zeros((len(block), (line - 1) * 8 // bits), np.uint8)
    deflate = zlib.compressobj(wbits=-15, **({"zdict": dictionary} if dictionary else {}))
    parts, adler = [], 1
    for top in range(0, n, rows):
        data = _scanlines(labels[top:top + rows], bits, block, spread)
        parts.append(deflate.compress(data))
        adler = zlib.adler32(data, adler)
    parts.append(deflate.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH))
    return parts, adler


def adler32_combine(first: int, second: int, length: int) -> int:
    """The Adler-32 of two byte strings one after the other, from each one's (``length``: the
    second's). Adler-32 is ``B << 16 | A``, A one plus the sum of the bytes, B the sum of the
    A after each byte, both modulo 65521. After the first string, the A after each byte of the
    second is its own plus the first's A less one, so B gains ``length`` times that much."""
    a1, b1, a2, b2 = first & 0xFFFF, first >> 16, second & 0xFFFF, second >> 16
    a = (a1 + a2 - 1) % ADLER
    b = (b1 + b2 + length * (a1 - 1)) % ADLER
    return b << 16 | a


def _png_chunk(handle, kind: bytes, parts) -> None:
    handle.write(struct.pack(">I", sum(len(part) for part in parts)) + kind)
    crc = zlib.crc32(kind)
    for part in parts:
        handle.write(part)
        crc = zlib.crc32(part, crc)
    handle.write(struct.pack(">I", crc))


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
