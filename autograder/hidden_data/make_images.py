"""Make the capstone's hidden images from scikit-learn's sample photos (CC BY 2.0, see CREDITS.md).

Run once by a maintainer: `pip install scikit-learn && python autograder/hidden_data/make_images.py`.
scikit-learn is needed only here; the images are committed. They are small on purpose, so that
a correct plain-loop submission grades within the time limits.
"""

from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
# (source photo, crop box (left, upper, right, lower), output size (width, height), name)
CROPS = [
    ("china.jpg", (40, 20, 600, 420), (44, 32), "hidden_china.png"),
    ("flower.jpg", (100, 20, 500, 420), (36, 36), "hidden_flower.png"),
]

if __name__ == "__main__":
    import sklearn.datasets

    folder = Path(sklearn.datasets.__file__).parent / "images"
    for source, box, size, name in CROPS:
        with Image.open(folder / source) as im:
            im.convert("RGB").crop(box).resize(size, Image.Resampling.LANCZOS).save(HERE / name)
        print(f"wrote {HERE / name}")
