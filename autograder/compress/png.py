"""A palette PNG written directly: the K colours and every pixel's index, with no row filters.

:func:`write_palette_png` is what the `compress` command writes its palette images with (an RGB
image, or another format, goes through Pillow); large images have their rows compressed on two
threads into one zlib stream.
"""

import struct
import zlib

import numpy as np


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
