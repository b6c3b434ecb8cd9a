"""The `compress` command's output: a palette image of exactly the colours found, smaller files,
honest sizes, and refusals (one line, exit status 2) where writing would lose something."""

import io
import os
import shutil
import subprocess
import sys
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from autograder import compress, imaging, paths, reference
from autograder.compress import png
from autograder.cli import main

COFFEE = paths.DATA / "coffee.jpg"


def run_cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "autograder", "compress", *args],
                          capture_output=True, text=True, **kwargs)


def rgb_png_bytes(image):
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", optimize=True)
    return len(buffer.getvalue())


def report_line(stdout, head):
    return next(line for line in stdout.splitlines() if line.startswith(head))


@pytest.mark.parametrize("photo", [paths.PHOTO, COFFEE], ids=["bundled photo", "coffee.jpg"])
def test_writes_a_palette_png_smaller_than_rgb_and_than_the_photo(tmp_path, photo):
    """The default output is a palette PNG holding exactly the K colours found, smaller than
    the same image as an RGB PNG and than the photo itself."""
    out = tmp_path / "out.png"
    done = run_cli(str(photo), "--colors", "16", "--out", str(out))
    assert done.returncode == 0, done.stderr
    with Image.open(out) as im:
        assert im.mode == "P"
        palette = np.array(im.getpalette(), dtype=np.uint8).reshape(-1, 3)[:16]
        labels = np.asarray(im)
        decoded = np.asarray(im.convert("RGB"))
    assert labels.max() < 16
    np.testing.assert_array_equal(decoded, palette[labels])
    image = imaging.load_rgb(photo)
    assert out.stat().st_size < rgb_png_bytes(decoded)
    assert out.stat().st_size < photo.stat().st_size
    files = report_line(done.stdout, "files")
    assert f"{photo.stat().st_size / 1024:.1f} KiB -> out.png {out.stat().st_size / 1024:.1f} KiB" \
        in files and "palette PNG" in files and "smaller" in files
    distortion = float(report_line(done.stdout, "distortion").split()[1])
    assert distortion == pytest.approx(imaging.distortion(image, decoded), abs=1e-6)


def test_bundled_photo_at_16_colours_is_as_good_as_pillow_median_cut_with_kmeans(tmp_path):
    """The default (k-means++ seeding, steps until the colours settle, before the cap) reaches
    at most the distortion of Pillow's median cut refined by its own k-means, on the bundled
    photo at K = 16."""
    image = imaging.load_rgb(paths.PHOTO)
    palette, labels, steps, stable = compress.quantize(image, 16)
    assert steps < compress.MAX_STEPS
    ours = imaging.distortion(image, palette[labels])
    # kmeans=1: Pillow refines until at most 1 pixel changes colour, its best setting
    pillow = Image.fromarray(image).quantize(16, method=Image.Quantize.MEDIANCUT, kmeans=1)
    theirs = imaging.distortion(image, np.asarray(pillow.convert("RGB")))
    assert ours <= theirs, (ours, theirs)
    random = reference.load().compress_image(image, 16, 10, rng=0)
    assert ours < imaging.distortion(image, random)


def test_init_random_is_the_assignments_compress_image(tmp_path):
    """--init random (10 steps) gives, pixel for pixel, the reference's compress_image."""
    out = tmp_path / "random.png"
    assert main(["compress", str(COFFEE), "-k", "8", "--init", "random", "--seed", "3",
                 "--out", str(out)]) == 0
    expected = reference.load().compress_image(imaging.load_rgb(COFFEE), 8, 10, rng=3)
    np.testing.assert_array_equal(imaging.load_rgb(out), expected)


def test_refuses_to_write_over_the_photo(tmp_path):
    photo = tmp_path / "photo.png"
    shutil.copy(paths.PHOTO, photo)
    before = photo.read_bytes()
    for spelling in (str(photo), str(tmp_path / "." / "photo.png")):
        done = run_cli(str(photo), "--out", spelling)
        assert done.returncode == 2
        assert done.stderr == (f"error: --out {spelling} is the photo being compressed; choose "
                               f"another name (the original would be lost)\n")
    assert photo.read_bytes() == before


@pytest.mark.parametrize("name, message", [
    ("out.jpg", "JPEG is lossy and would change the 16 colours found"),
    ("out.webp", "WebP is lossy"),
    ("out.xyz", "cannot tell the format from .xyz; use one of .png, .gif, .bmp, .tif, .tiff"),
    ("out", "cannot tell the format from no extension"),
])
def test_refuses_formats_it_cannot_write_faithfully(tmp_path, name, message):
    done = run_cli("--out", str(tmp_path / name))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("suffix", [".gif", ".bmp", ".tif"])
def test_other_lossless_formats_keep_the_colours(tmp_path, suffix):
    out = tmp_path / f"out{suffix}"
    assert main(["compress", "-k", "6", "--out", str(out)]) == 0
    png = tmp_path / "out.png"
    assert main(["compress", "-k", "6", "--out", str(png)]) == 0
    with Image.open(out) as im:
        assert im.format == {".gif": "GIF", ".bmp": "BMP", ".tif": "TIFF"}[suffix]
        assert im.mode == "P"
    np.testing.assert_array_equal(imaging.load_rgb(out), imaging.load_rgb(png))


def test_k_is_capped_at_the_distinct_colours(tmp_path, capsys):
    photo = tmp_path / "two.png"
    pixels = np.zeros((10, 12, 3), np.uint8)
    pixels[:, 6:] = [200, 30, 30]
    Image.fromarray(pixels).save(photo)
    out = tmp_path / "out.png"
    assert main(["compress", str(photo), "-k", "8", "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "note         the photo has only 2 distinct colours, so K is 2, not 8" in stdout
    assert "to 2 colours (K = 2)" in stdout and "distortion   0.000000" in stdout
    np.testing.assert_array_equal(imaging.load_rgb(out), pixels)

    one = tmp_path / "one.png"
    Image.fromarray(np.full((3, 3, 3), 7, np.uint8)).save(one)
    assert main(["compress", str(one), "-k", "1", "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "(3 x 3, 1 colour)" in stdout and "to 1 colour (K = 1)" in stdout
    assert "at 1 bit a pixel plus a palette of 1 colour" in stdout
    assert ": k-means++ seeding, then" in stdout  # one seeding: at K = 1 all end at the mean


def test_more_than_256_colours_is_an_rgb_png_and_says_so(tmp_path, capsys):
    out = tmp_path / "out.png"
    assert main(["compress", "-k", "300", "--iters", "2", "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "a palette holds at most 256 colours, so out.png is an RGB image" in stdout
    assert "(RGB PNG:" in stdout
    with Image.open(out) as im:
        assert im.mode == "RGB"
    assert imaging.count_colours(imaging.load_rgb(out)) <= 300
    done = run_cli("-k", "300", "--out", str(tmp_path / "out.gif"))
    assert done.returncode == 2 and "a GIF holds at most 256 colours, not 300" in done.stderr


def test_rgb_option(tmp_path):
    out = tmp_path / "out.png"
    assert main(["compress", "-k", "4", "--rgb", "--out", str(out)]) == 0
    with Image.open(out) as im:
        assert im.mode == "RGB"


@pytest.mark.parametrize("before, after, said", [
    (100, 50, "2.0x smaller"), (100, 111, "1.1x larger"), (100, 100, "the same size"),
])
def test_size_ratio_wording(before, after, said):
    assert compress.ratio(before, after) == said


def test_progress_is_shown_on_a_terminal_only(tmp_path):
    """On a terminal, stderr shows what is being done and ends cleared; on a pipe, nothing."""
    import pty

    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "autograder", "compress", "-k", "4",
                               "--out", str(tmp_path / "out.png")],
                              stdout=subprocess.PIPE, stderr=follower, text=True)
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    text = shown.decode()
    assert "K-means step 1 of at most 300" in text and "the best of 8 k-means++ seedings" in text
    assert text.endswith("\r")  # the status line is cleared before the report is printed
    assert "error" not in text


def test_no_pillow_bomb_warning_before_the_tools_own_refusal(tmp_path, monkeypatch, capsys):
    """Pillow's DecompressionBombWarning never shows; the size is refused in one line."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow warns past 1000, fails past 2000
    warned = tmp_path / "warned.png"
    Image.new("RGB", (40, 40)).save(warned)  # 1600 pixels: Pillow would warn
    refused = tmp_path / "refused.png"
    Image.new("RGB", (50, 50)).save(refused)  # 2500 pixels: Pillow would refuse
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert imaging.load_rgb(warned).shape == (40, 40, 3)
        with pytest.raises(imaging.ImageError, match="= 1600 pixels, more than the 1500 pixels"):
            imaging.load_rgb(warned, max_pixels=1500)
        assert main(["compress", str(refused), "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: {refused} has more than 2000 pixels, more than this tool "
                   f"handles in memory; scale it down first\n")


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (kind, body) chunks of a PNG file, each checked against its CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
        body = data[at + 8:at + 8 + length]
        assert int.from_bytes(data[at + 8 + length:at + 12 + length], "big") == \
            zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        at += 12 + length
    return chunks


@pytest.mark.parametrize("K", [1, 2, 3, 4, 5, 16, 17, 256])
@pytest.mark.parametrize("width", [1, 7, 13])
@pytest.mark.parametrize("halves", [False, True], ids=["one stream", "two halves"])
def test_the_palette_png_holds_exactly_the_palette_and_every_index(tmp_path, monkeypatch, K,
                                                                   width, halves):
    """The palette PNG (written without Pillow) reads back as exactly the K colours and the
    index of every pixel, at the bit depth Pillow would write (1, 2, 4 or 8 bits a pixel,
    rows of any width), also when its rows are compressed a few at a time, and in two halves
    on two threads."""
    monkeypatch.setattr(png, "PNG_BLOCK", 16)  # one or a few rows a block
    monkeypatch.setattr(png, "PNG_SPLIT_FROM", 0 if halves else 1 << 62)
    rng = np.random.default_rng(1000 * K + width)
    palette = rng.integers(0, 256, (K, 3), dtype=np.uint8)
    labels = rng.integers(0, K, (9, width), dtype=np.uint8)
    out = tmp_path / "out.png"
    assert compress.write_indexed(palette, labels, out, "PNG") is True
    chunks = png_chunks(out.read_bytes())
    assert [kind for kind, _ in chunks] == [b"IHDR", b"PLTE", b"IDAT", b"IEND"]
    assert chunks[1][1] == palette.tobytes()
    pillow = io.BytesIO()
    im = Image.fromarray(labels, mode="L")
    im.putpalette(palette.ravel().tolist(), rawmode="RGB")
    im.save(pillow, format="PNG")
    assert chunks[0][1] == png_chunks(pillow.getvalue())[0][1]  # size, bit depth, palette type
    with Image.open(out) as im:
        assert im.mode == "P"
        np.testing.assert_array_equal(np.asarray(im), labels)
        assert im.getpalette()[:3 * K] == palette.ravel().tolist()


def test_adler32_of_two_strings_from_each_ones():
    """The PNG's two halves' Adler-32 checksums give that of the whole, as zlib computes it."""
    rng = np.random.default_rng(0)
    for n, m in [(0, 0), (0, 5), (5, 0), (1, 1), (1000, 70000), (65521, 65521), (3, 200000)]:
        first, second = rng.bytes(n), rng.bytes(m) if m < 100 else b"\xff" * m
        assert png.adler32_combine(zlib.adler32(first), zlib.adler32(second), m) == \
            zlib.adler32(first + second), (n, m)


def test_compressing_a_photo_leaves_the_project_files_module_and_numpy_random_alone(tmp_path):
    """`compress PHOTO` does not import the module that finds the project's files
    (importlib.resources, zipfile): only the default photo needs it; nor numpy.random (its
    draws are Python's own), nor the grader."""
    code = ("import sys; from autograder.cli import main; "
            f"status = main(['compress', {str(COFFEE)!r}, '-k', '2', '-o', "
            f"{str(tmp_path / 'out.png')!r}]); "
            "print(status, *(name in sys.modules for name in "
            "('autograder.paths', 'numpy.random', 'autograder.grading', 'pytest')), "
            "file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == "0 False False False False"
