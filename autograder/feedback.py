"""A student's feedback page: one self-contained HTML file made from results.json.

It shows the score per function, every test with its message, and for the capstone the
distortion of the student's compressed version of each hidden image beside the reference's.
The hidden images themselves (each beside the student's and the reference's compressed
versions, embedded as PNG data so the page opens anywhere) are shown only when the instructor
asks (``show_hidden_images``): a page handed to students would otherwise reveal them. Nothing
else about the hidden tests (inputs, code) appears: only what results.json already tells.
"""

import functools

import base64
import html
import io
from pathlib import Path

import numpy as np
from PIL import Image

from . import capstone, reference
from .files import write_atomically
from .grading import PASSED

ZOOM = 5  # the hidden images are small: show them enlarged, pixels kept sharp

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222;
       line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; } td, th { padding: .3rem .8rem; text-align: left; }
tr + tr td { border-top: 1px solid #ddd; } .num { text-align: right; }
.test { border-left: 4px solid #2a7; padding: .3rem .8rem; margin: .6rem 0; background: #f6fbf8; }
.test.fail { border-color: #c33; background: #fcf5f5; }
.test .name { font-weight: 600; } .test pre { white-space: pre-wrap; margin: .3rem 0 0;
  font-family: ui-monospace, monospace; font-size: .85rem; }
figure { display: inline-block; margin: .4rem 1rem .4rem 0; text-align: center; }
figure img { image-rendering: pixelated; border: 1px solid #ccc; }
figcaption { font-size: .85rem; }
.note { color: #555; font-size: .9rem; }
"""


def _png(image: np.ndarray) -> str:
    big = Image.fromarray(image).resize((image.shape[1] * ZOOM, image.shape[0] * ZOOM),
                                        Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    big.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(image: np.ndarray, caption: str) -> str:
    return (f'<figure><img alt="{html.escape(caption)}" src="{_png(image)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


@functools.cache
def _reference_image(name: str, K: int) -> np.ndarray:
    """The reference's compressed version of a hidden image (first seed), made once."""
    return reference.load().compress_image(capstone.images()[name], K, capstone.MAX_ITERS,
                                           capstone.SEEDS[0])


def _saved(artifacts: Path | None) -> dict:
    if artifacts and (artifacts / "capstone.npz").is_file():
        with np.load(artifacts / "capstone.npz", allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    return {}


def _valid(mine, original) -> bool:
    return (isinstance(mine, np.ndarray) and mine.shape == original.shape
            and mine.dtype == np.uint8)


def capstone_table(artifacts: Path | None) -> str:
    """The capstone's distortions, yours beside the reference's, without showing any image."""
    saved = _saved(artifacts)
    rows = []
    for name in capstone.IMAGES:
        original = capstone.images()[name]
        h, w = original.shape[:2]
        for K in capstone.KS:
            mine = saved.get(capstone.artifact_key(name, K))
            yours = (f"{capstone.distortion(original, mine):.5f}" if _valid(mine, original)
                     else "no valid image")
            theirs = capstone.distortion(original, _reference_image(name, K))
            rows.append(f"<tr><td>hidden image {capstone.IMAGES.index(name) + 1} ({h} x {w})</td>"
                        f'<td class="num">{K}</td><td class="num">{yours}</td>'
                        f'<td class="num">{theirs:.5f}</td></tr>')
    return ('<table><tr><th>image</th><th class="num">K</th><th class="num">your distortion</th>'
            '<th class="num">reference</th></tr>' + "".join(rows) + "</table>")


def capstone_panels(artifacts: Path | None) -> str:
    """The capstone pictures: original, student's and reference's, per hidden image and K."""
    saved = _saved(artifacts)
    parts = []
    for name in capstone.IMAGES:
        original = capstone.images()[name]
        h, w = original.shape[:2]
        parts.append(f"<h3>Hidden image {capstone.IMAGES.index(name) + 1} ({h} x {w})</h3>")
        for K in capstone.KS:
            theirs = _reference_image(name, K)
            mine = saved.get(capstone.artifact_key(name, K))
            row = [_figure(original, "original")]
            if _valid(mine, original):
                row.append(_figure(mine, f"yours, K = {K}: distortion "
                                         f"{capstone.distortion(original, mine):.5f}"))
            else:
                row.append(f"<figure><figcaption>yours, K = {K}: no valid image"
                           f"</figcaption></figure>")
            row.append(_figure(theirs, f"reference, K = {K}: distortion "
                                       f"{capstone.distortion(original, theirs):.5f}"))
            parts.append("<div>" + "".join(row) + "</div>")
    return "\n".join(parts)


def render(results: dict, student: str, artifacts: Path | None = None,
           show_hidden_images: bool = False) -> str:
    """The feedback page for one graded submission, as an HTML string.

    ``show_hidden_images`` adds the capstone's hidden images (for instructors; off for pages
    students see)."""
    functions = results.get("extra_data", {}).get("functions", {})
    total = sum(t["max_score"] for t in results["tests"])
    rows = "".join(
        f'<tr><td>{html.escape(f)}</td><td class="num">{s["score"]:g}</td>'
        f'<td class="num">{s["max_score"]:g}</td></tr>' for f, s in functions.items())
    tests = []
    for test in results["tests"]:  # already grouped by function (grading._results)
        if test.get("visibility") == "hidden":
            continue
        passed = test["score"] >= test["max_score"]
        tests.append(
            f'<div class="test{"" if passed else " fail"}"><span class="name">'
            f'{html.escape(test["name"])}</span> — {test["score"]:g} / {test["max_score"]:g}'
            + ("" if passed and test["output"] == PASSED else  # e.g. the distortion ratios
               f'<pre>{html.escape(test["output"])}</pre>') + "</div>")
    graded_capstone = any(t["name"].startswith("compress_image:") for t in results["tests"])
    if not graded_capstone:
        pictures, what = "", ""
    elif show_hidden_images:
        pictures = capstone_panels(artifacts)
        what = ("Each hidden image with your <code>compress_image</code> output and the "
                "reference solution's, for the first seed.")
    else:
        pictures = capstone_table(artifacts)
        what = ("Your <code>compress_image</code> output on each hidden image and K beside the "
                "reference solution's, for the first seed (the hidden images are not shown).")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>K-means assignment: feedback for {html.escape(student)}</title>
<style>{STYLE}</style></head>
<body>
<h1>K-means assignment: feedback for {html.escape(student)}</h1>
<p><strong>Score: {results["score"]:g} / {total:g}</strong></p>
<p class="note">{html.escape(results.get("output", "")).replace(chr(10), "<br>")}</p>
<table><tr><th>function</th><th class="num">score</th><th class="num">out of</th></tr>{rows}
</table>
<h2>Every check</h2>
{"".join(tests)}
<h2>The capstone: your compressed images</h2>
<p class="note">{what} Distortion is the mean squared error against the original on the
[0, 1] scale: lower is better.</p>
{pictures}
</body></html>
"""


def write(results: dict, student: str, out: Path, artifacts: Path | None = None,
          show_hidden_images: bool = False) -> Path:
    """Write the feedback page atomically; return its path."""
    return write_atomically(out, render(results, student, artifacts, show_hidden_images))
