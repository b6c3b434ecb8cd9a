"""The `compress` command: a learner's own photo in, a K-colour PNG and a report out."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from autograder import imaging
from autograder.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True,
                          text=True)


def test_bundled_photo_with_compare(tmp_path):
    out = tmp_path / "hopper.png"
    done = run_cli("compress", "--colors", "8", "--out", str(out), "--compare")
    assert done.returncode == 0, done.stderr
    assert "distortion" in done.stdout and "KiB at 3 bits a pixel" in done.stdout
    assert "a palette of 8 colours" in done.stdout and done.stderr == ""  # no progress on a pipe
    compressed = imaging.load_rgb(out)
    assert compressed.shape == (300, 256, 3) and imaging.count_colours(compressed) <= 8
    with Image.open(tmp_path / "hopper-compare.png") as im:
        assert im.width > im.height  # two panels side by side


def test_rgba_greyscale_and_exif_rotation(tmp_path):
    rgba = tmp_path / "rgba.png"
    Image.new("RGBA", (4, 3), (255, 0, 0, 0)).save(rgba)  # fully transparent red
    assert imaging.load_rgb(rgba)[0, 0].tolist() == [255, 255, 255]  # flattened onto white

    grey = tmp_path / "grey.png"
    Image.fromarray(np.arange(12, dtype=np.uint8).reshape(3, 4) * 20).save(grey)
    assert imaging.load_rgb(grey).shape == (3, 4, 3)

    sixteen = tmp_path / "sixteen.png"
    Image.fromarray(np.full((2, 2), 65535, dtype=np.uint16)).save(sixteen)
    assert imaging.load_rgb(sixteen)[0, 0].tolist() == [255, 255, 255]

    rotated = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    Image.new("RGB", (40, 20), (0, 128, 255)).save(rotated, exif=exif)
    assert imaging.load_rgb(rotated).shape == (40, 20, 3)  # shown upright: taller than wide

    out = tmp_path / "out.png"
    assert main(["compress", str(rotated), "--colors", "2", "--out", str(out)]) == 0


@pytest.mark.parametrize("args, message", [
    (["--colors", "0"], "--colors must be 1 or more, got 0"),
    (["--iters", "-1"], "--iters must be 0 or more, got -1"),
    (["--seed", "-1"], "--seed must be 0 or more, got -1"),
    (["no-such-photo.png"], "no-such-photo.png: no such file"),
])
def test_user_mistakes_get_one_line(tmp_path, args, message):
    done = run_cli("compress", "--out", str(tmp_path / "x.png"), *args)
    assert done.returncode == 2
    assert done.stderr == f"error: {message}\n"
    assert not (tmp_path / "x.png").exists()


def test_not_an_image_and_too_large(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    done = run_cli("compress", str(text))
    assert done.returncode == 2 and "is not an image this tool can read" in done.stderr

    big = tmp_path / "big.png"
    Image.new("RGB", (300, 200)).save(big)
    with pytest.raises(imaging.ImageError, match="60000 pixels|megapixels"):
        imaging.load_rgb(big, max_pixels=50_000)
