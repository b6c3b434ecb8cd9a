"""Reading, comparing and drawing images: used by the compress command and the feedback pages."""

import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

# Above this many pixels a photo is refused before it is decoded: 100 megapixels as float64
# RGB is 2.4 GB, past what the compression should take on a laptop.
MAX_PIXELS = 100_000_000
# The EXIF orientation tag, and the values of it that turn or flip the image (1 is upright).
ORIENTATION = 0x0112
TURNS = range(2, 9)


class ImageError(ValueError):
    """A photo that cannot be used, with a message meant for the person who gave it."""


def load_rgb(path, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read a photo as an (H, W, 3) uint8 RGB array (read-only: copy it to change it).

    EXIF orientation is applied; transparency is flattened onto white; greyscale, palette and
    16-bit images are converted to 8-bit RGB.
    """
    path = Path(path)
    if path.is_dir():
        raise ImageError(f"{path} is a folder, not an image file")
    try:
        with warnings.catch_warnings():
            # Pillow warns of a possible decompression bomb past 89 megapixels; the size is
            # checked here instead, with a message of this tool's own.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
        with im:
            if im.width * im.height > max_pixels:
                raise ImageError(
                    f"{path} is {im.width} x {im.height} = {_pixels(im.width * im.height)}, "
                    f"more than the {_pixels(max_pixels)} this tool handles in memory; "
                    f"scale it down first")
            # Turned and converted in place where possible, and copied out once: a
            # 12-megapixel photo peaked at 6 times its decoded size when each step made one
            # (Pillow's own copy is 4 bytes a pixel; one more whole copy was 3 more).
            im.load()
            if im.getexif().get(ORIENTATION, 1) in TURNS:  # as exif_transpose does it
                from PIL import ImageOps

                ImageOps.exif_transpose(im, in_place=True)
            return _array(_to_rgb(im))
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except UnidentifiedImageError:
        raise ImageError(f"{path} is not an image this tool can read (try PNG or JPEG)") from None
    except Image.DecompressionBombError:
        raise ImageError(
            f"{path} has more than {_pixels(2 * Image.MAX_IMAGE_PIXELS)}, more than this tool "
            f"handles in memory; scale it down first") from None
    except OSError as error:
        raise ImageError(f"{path} could not be read: {error}") from None


def _pixels(n: int) -> str:
    """``12.0 megapixels``, or ``1500 pixels`` when that would round to nothing."""
    return f"{n / 1e6:.1f} megapixels" if n >= 100_000 else f"{n} pixels"


def _array(im: Image.Image) -> np.ndarray:
    """An RGB Pillow image as a read-only (H, W, 3) uint8 array over one bytes object.

    Pillow's ``tobytes`` packs the pixels in blocks of ``ImageFile.MAXBLOCK`` bytes and joins
    them: a second whole copy. With the block as large as the image it packs them once, into the
    bytes the array then reads without a copy. On a 1-megapixel JPEG that took 1.5 ms beside
    the 6 ms of decoding, where copying a strip of about 1 MB at a time (each cropped, packed
    and copied into the array) took 8.5 ms (75 ms at 12 megapixels, against 25), and its peak
    memory was 3 MB lower at 12 megapixels.
    """
    saved = ImageFile.MAXBLOCK
    ImageFile.MAXBLOCK = max(saved, 3 * im.width * im.height)
    try:
        data = im.tobytes()
    finally:
        ImageFile.MAXBLOCK = saved
    return np.frombuffer(data, dtype=np.uint8).reshape(im.height, im.width, 3)


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode.startswith("I;16"):
        im = Image.fromarray((np.asarray(im, dtype=np.float64) / 257.0).round().astype(np.uint8))
    elif im.mode in ("I", "F"):
        im = Image.fromarray(np.clip(np.asarray(im, dtype=np.float64), 0, 255).astype(np.uint8))
    if im.mode == "P":
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        im = im.convert("RGBA")
        background = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, im)
    return im if im.mode == "RGB" else im.convert("RGB")


def distortion(original: np.ndarray, compressed: np.ndarray) -> float:
    """Mean squared error between two uint8 images on the [0, 1] scale."""
    a = np.asarray(original, dtype=np.float64) / 255.0
    b = np.asarray(compressed, dtype=np.float64) / 255.0
    return float(np.mean((a - b) ** 2))


def count_colours(image: np.ndarray) -> int:
    """Number of distinct RGB colours in an (H, W, 3) uint8 image."""
    rgb = np.asarray(image, dtype=np.uint32).reshape(-1, 3)
    return int(np.unique((rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).size)


def bits_per_pixel(K: int) -> int:
    """Bits to store one pixel's palette index when an image has K colours."""
    return max(1, math.ceil(math.log2(K)))


def side_by_side(panels, path, suptitle=None) -> Path:
    """Draw images next to each other with a title under each, and save a PNG.

    ``panels`` is a list of (image, title) pairs, images as (H, W, 3) uint8 arrays.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height, width = panels[0][0].shape[:2]
    panel_inches = 4.0
    aspect = height / width
    fig = Figure(figsize=(panel_inches * len(panels), panel_inches * aspect + 0.9), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (image, title) in zip(axes, panels):
        ax.imshow(image, interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path
