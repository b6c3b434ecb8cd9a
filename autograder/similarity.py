"""A class-wide similarity report: pairs of submissions ranked by how much code they share.

Fingerprints come from copydetect (winnowed k-grams of the code's tokens, with every name
replaced by one placeholder, so renaming variables or functions hides nothing, and comments and
layout ignored). The stub's own code (signatures, docstrings, hints) is boilerplate: every
student starts from it, so it is never counted as shared. Each pair gets the share of each
submission's fingerprinted code found in the other; pairs are ranked by the mean of the two.

The report is one self-contained HTML page: a ranked table, then the top pairs side by side
with the shared regions marked. Everything taken from a submission (code, names) is escaped.
"""

import html
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import paths
from .files import write_atomically

NOISE = 25  # shortest shared run of normalised code counted (characters of filtered tokens)
GUARANTEE = 30  # every shared run at least this long is found
MAX_SOURCE_CHARS = 200_000  # longer submissions are compared on their start only
SHOWN_PAIRS = 100  # rows in the ranked table
SIDE_BY_SIDE = 10  # pairs shown in full
CANDIDATES = 200  # pairs compared in full, chosen by the fingerprints they have in common
MIN_SHARE = 0.05  # pairs sharing less are left out of the table


@dataclass
class Pair:
    a: str
    b: str
    share: float  # mean of share_a and share_b
    share_a: float  # the share of a's fingerprinted code also in b
    share_b: float
    tokens: int  # shared characters of normalised code
    slices_a: np.ndarray  # 2 x n: starts and ends of shared regions in a's code
    slices_b: np.ndarray


def _fingerprint(code: str, boilerplate=None):
    from copydetect import CodeFingerprint

    return CodeFingerprint("kmeans.py", NOISE, GUARANTEE - NOISE + 1,
                           boilerplate=boilerplate, fp=io.StringIO(code[:MAX_SOURCE_CHARS]))


def compare(sources: dict[str, str], stub: str | None = None,
            candidates: int = CANDIDATES) -> list[Pair]:
    """The pairs of ``sources`` (key -> code) sharing the most code, most similar first.

    Every pair is first scored cheaply by the fingerprints the two have in common; only the
    ``candidates`` best are compared in full (shared regions and shares), so a large class
    costs little more than reading it.
    """
    from copydetect import compare_files

    if stub is None:
        stub = paths.STUB.read_text(encoding="utf-8") if paths.STUB.is_file() else ""
    boilerplate = np.array(sorted(_fingerprint(stub).hashes)) if stub else None
    prints = {key: _fingerprint(code, boilerplate) for key, code in sorted(sources.items())}
    rough = []
    for a, b in itertools.combinations(prints, 2):
        common = len(prints[a].hashes & prints[b].hashes)
        if common:
            rough.append((-(common / len(prints[a].hashes) + common / len(prints[b].hashes)), a, b))
    pairs = []
    for _, a, b in sorted(rough)[:candidates]:
        tokens, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
        if tokens == 0:
            continue
        share_a, share_b = min(float(share_a), 1.0), min(float(share_b), 1.0)
        pairs.append(Pair(a, b, (share_a + share_b) / 2, share_a, share_b, int(tokens),
                          np.asarray(slices_a), np.asarray(slices_b)))
    return sorted(pairs, key=lambda p: (-p.share, -p.tokens, p.a, p.b))


def _marked(code: str, slices: np.ndarray) -> str:
    """``code`` escaped for HTML, its shared regions in <mark>."""
    code = code[:MAX_SOURCE_CHARS]
    parts, at = [], 0
    if slices.size:
        for start, end in sorted(zip(slices[0].tolist(), slices[1].tolist())):
            start, end = max(int(start), at), min(int(end), len(code))
            if start >= end:
                continue
            parts.append(html.escape(code[at:start]))
            parts.append("<mark>" + html.escape(code[start:end]) + "</mark>")
            at = end
    parts.append(html.escape(code[at:]))
    return "".join(parts)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; line-height: 1.4; }
table { border-collapse: collapse; } td, th { padding: .25rem .7rem; text-align: left; }
tr + tr td { border-top: 1px solid #ddd; } .num { text-align: right; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
pre { background: #f7f7f7; padding: .6rem; overflow-x: auto; font-size: .8rem;
      white-space: pre-wrap; word-break: break-all; }
mark { background: #ffd966; }
.note { color: #555; }
"""


def render(pairs: list[Pair], sources: dict[str, str], names: dict[str, str] | None = None) -> str:
    names = names or {}

    def who(key):
        name = names.get(key, "")
        return html.escape(key) + (f" ({html.escape(name)})" if name else "")

    shown = [p for p in pairs if p.share >= MIN_SHARE][:SHOWN_PAIRS]
    rows = "".join(
        f'<tr><td class="num">{i}</td><td><a href="#pair-{i}">{who(p.a)}</a></td><td>{who(p.b)}</td>'
        f'<td class="num">{p.share:.0%}</td><td class="num">{p.share_a:.0%}</td>'
        f'<td class="num">{p.share_b:.0%}</td><td class="num">{p.tokens}</td></tr>'
        for i, p in enumerate(shown, 1))
    details = "".join(
        f'<h2 id="pair-{i}">{i}. {who(p.a)} and {who(p.b)}: {p.share:.0%}</h2>'
        f'<div class="pair"><div><h3>{who(p.a)}</h3><pre>{_marked(sources[p.a], p.slices_a)}</pre>'
        f'</div><div><h3>{who(p.b)}</h3><pre>{_marked(sources[p.b], p.slices_b)}</pre></div></div>'
        for i, p in enumerate(shown[:SIDE_BY_SIDE], 1))
    table = ('<table><tr><th class="num">rank</th><th>submission</th><th>submission</th>'
             '<th class="num">shared (mean)</th><th class="num">of the first</th>'
             '<th class="num">of the second</th><th class="num">shared tokens</th></tr>'
             + rows + "</table>") if shown else "<p>No two submissions share code beyond the stub's.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>K-means assignment: code similarity</title>
<style>{STYLE}</style></head>
<body>
<h1>K-means assignment: code similarity</h1>
<p class="note">{len(sources)} submissions compared; the {len(shown)} pairs sharing the most
code beyond the stub's are listed. Shared code is found on normalised tokens: names, comments and layout do not count, so
renamed variables still match. A high share is a reason to look, not proof of copying: short
correct solutions resemble each other.</p>
{table}
{details}
</body></html>
"""


def write_report(sources: dict[str, str], out: Path, names: dict[str, str] | None = None,
                 stub: str | None = None) -> list[Pair]:
    """Compare ``sources`` and write the report to ``out`` atomically; return the pairs."""
    pairs = compare(sources, stub)
    write_atomically(out, render(pairs, sources, names))
    return pairs
