"""Make the generated data files in this folder. Run from anywhere: `python data/make_data.py`.

- ``three_clusters.csv``: 300 two-dimensional points in three Gaussian clusters, fixed seed.
- ``grace_hopper.png``: matplotlib's sample photo of Grace Hopper (public domain, see
  CREDITS.md), downscaled by 2 to 256 x 300 pixels.

The six-point sample (``six_points.csv``, ``six_points_centroids.csv``) is written by hand.
"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 2024
CENTRES = np.array([[2.0, 5.0], [6.0, 3.0], [3.0, 1.0]])
SPREAD = np.array([0.6, 0.7, 0.5])
PER_CLUSTER = 100


def three_clusters() -> np.ndarray:
    """(300, 2) float array: PER_CLUSTER points around each centre, shuffled."""
    rng = np.random.default_rng(SEED)
    points = np.concatenate([
        centre + spread * rng.standard_normal((PER_CLUSTER, 2))
        for centre, spread in zip(CENTRES, SPREAD)])
    return np.round(points[rng.permutation(len(points))], 4)


def grace_hopper():
    from matplotlib import cbook
    from PIL import Image

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as im:
        return im.convert("RGB").resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    np.savetxt(HERE / "three_clusters.csv", three_clusters(), fmt="%.4f", delimiter=",",
               header="x1,x2", comments="")
    grace_hopper().save(HERE / "grace_hopper.png", optimize=True)
    print(f"wrote {HERE / 'three_clusters.csv'} and {HERE / 'grace_hopper.png'}")
