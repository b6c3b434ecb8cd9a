"""A class-wide similarity report: pairs of submissions ranked by how much code they share.

Only what the students wrote is compared. Each submission is read as Python tokens; the given
code (every run of ``BOILERPLATE_RUN`` tokens that also appears in the stub: its imports,
signatures, docstrings, ``raise NotImplementedError`` lines and the given ``run_kmeans``; and the
signature of each function the stub defines, even with its parameters renamed) is set aside,
wherever it sits in the file, and comments and layout never count. The remaining tokens
are normalised (a variable, function or class name becomes one placeholder, so renaming hides
nothing; an attribute such as ``.argmin``, a keyword argument such as ``axis=``, a builtin, a
keyword, an operator and a number stay as they are, and a string becomes one placeholder). Each
run of ``NOISE`` tokens is hashed here (not with Python's ``hash``, which changes from one
process to the next, so the report is the same on every run) and the hashes are winnowed and
matched with copydetect. Each pair gets the share of each submission's own code found in the
other; pairs are ranked by the mean of the two.

The report is one self-contained HTML page: a ranked table, then the top pairs side by side
with the shared regions marked; a mark always covers whole tokens. Everything taken from a
submission (code, names) is escaped.
"""

import hashlib
import html
import itertools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import paths

NOISE = 12  # shortest shared run counted (tokens of the students' own code)
GUARANTEE = 16  # every shared run at least this long is found
BOILERPLATE_RUN = 8  # a run of this many tokens found in the stub (as written) is given code
_SIGNATURE = 80  # tokens from a given function's def to its colon, at most
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
    share_a: float  # the share of a's own (fingerprinted) code also in b
    share_b: float
    tokens: int  # shared tokens of a's own code
    slices_a: np.ndarray  # 2 x n: starts and ends of shared regions in a's code (characters)
    slices_b: np.ndarray
    given_a: np.ndarray | None = None  # 2 x n: the given code (the stub's) in a's code
    given_b: np.ndarray | None = None


def _tokens(code: str) -> list[tuple[str, str, int, int]]:
    """The tokens of ``code`` that are compared, as (kind, text, start, end), ``start:end``
    indexing ``code``. Comments and whitespace are dropped; the pieces of one string literal
    (quotes, text, escapes) are one "string" token. ``kind`` is "name" for a name a student
    can rename, "string", or "literal" for everything compared as written."""
    from pygments import token
    from pygments.lexers import PythonLexer

    out = []
    for start, kind, text in PythonLexer().get_tokens_unprocessed(code):
        end = start + len(text)
        if kind in token.Comment or kind in token.Text or not text.strip():
            continue
        if kind in token.Literal.String and kind not in token.Literal.String.Interpol:
            if out and out[-1][0] == "string" and out[-1][3] == start:
                out[-1] = ("string", code[out[-1][2]:end], out[-1][2], end)
            else:
                out.append(("string", text, start, end))
            continue
        renamable = (kind in token.Name and kind not in token.Name.Builtin
                     and kind not in token.Name.Exception)
        out.append(("name" if renamable else "literal", text, start, end))
    # An attribute (after ".") and a keyword argument (``name=`` inside brackets) are API names:
    # renaming them changes what the code does, so they are compared as written.
    depth = 0
    for i, (kind, text, start, end) in enumerate(out):
        if kind == "literal" and text in "([{":
            depth += 1
        elif kind == "literal" and text in ")]}":
            depth = max(depth - 1, 0)
        if kind != "name":
            continue
        after_dot = i > 0 and out[i - 1][1] == "."
        keyword = depth > 0 and i + 1 < len(out) and out[i + 1][1] == "="
        if after_dot or keyword:
            out[i] = ("literal", text, start, end)
    return out


def _runs(spans: list, code: str) -> np.ndarray:
    """Token ``spans`` (start, end), in order, joined into 2 x n character ranges of ``code``:
    two tokens join when only whitespace lies between them."""
    starts, ends = [], []
    for start, end in spans:
        if starts and start >= ends[-1] and not code[ends[-1]:start].strip():
            ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)
    return np.array([starts, ends], dtype=int).reshape(2, -1)


class _Stub:
    """What the stub gives: its runs of BOILERPLATE_RUN tokens (as written) and the names of
    the functions it defines."""

    def __init__(self, stub: str):
        texts = [text for _, text, _, _ in _tokens(stub)]
        self.runs = {tuple(texts[i:i + BOILERPLATE_RUN])
                     for i in range(len(texts) - BOILERPLATE_RUN + 1)}
        self.functions = {name for keyword, name in zip(texts, texts[1:]) if keyword == "def"}

    def given(self, tokens: list) -> np.ndarray:
        """Which of ``tokens`` are the stub's, wherever they sit in the submission: inside a run
        that also occurs in the stub, or the signature (``def`` to ``:``) of a function the
        stub defines, even with its parameters renamed."""
        given = np.zeros(len(tokens), dtype=bool)
        texts = [text for _, text, _, _ in tokens]
        for i in range(len(texts) - BOILERPLATE_RUN + 1):
            if tuple(texts[i:i + BOILERPLATE_RUN]) in self.runs:
                given[i:i + BOILERPLATE_RUN] = True
        for i in range(len(texts) - 1):
            if texts[i] == "def" and texts[i + 1] in self.functions:
                depth = 0
                for end in range(i + 2, min(i + _SIGNATURE, len(texts))):
                    if texts[end] in ("(", "[", "{"):
                        depth += 1
                    elif texts[end] in (")", "]", "}"):
                        depth -= 1
                    elif texts[end] == ":" and depth == 0:
                        given[i:end + 1] = True
                        break
        return given


def _token_id(kind: str, text: str) -> int:
    """A token's number, the same in every run and every class (Python's own ``hash`` of a
    string changes from one process to the next, and with it copydetect's fingerprints)."""
    key = kind if kind != "literal" else "literal:" + text
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little", signed=True)


class _Own:
    """The code a student wrote (the stub's set aside): its normalised tokens fingerprinted
    with copydetect's winnowing, and where each token sits in the submission."""

    def __init__(self, code: str, stub: _Stub):
        from copydetect.utils import get_token_coverage, winnow

        self.code = code[:MAX_SOURCE_CHARS]
        tokens = _tokens(self.code)
        given = stub.given(tokens)
        own = [t for t, is_given in zip(tokens, given) if not is_given]
        # Given code as shown: runs of consecutive given tokens, with the comments (the stub's
        # hints) between them.
        starts = [tokens[i][2] for i in range(len(tokens))
                  if given[i] and not (i and given[i - 1])]
        ends = [tokens[i][3] for i in range(len(tokens))
                if given[i] and not (i + 1 < len(tokens) and given[i + 1])]
        self.given = np.array([starts, ends], dtype=int).reshape(2, -1)
        self.spans = np.array([(start, end) for _, _, start, end in own], dtype=int).reshape(-1, 2)
        ids = np.array([_token_id(kind, text) for kind, text, _, _ in own], dtype=np.int64)
        self.hashes, self.hash_idx, self.coverage = set(), {}, 0
        if len(ids) < GUARANTEE:
            return
        grams = np.zeros(len(ids) - NOISE + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(NOISE):  # a polynomial hash of each run of NOISE tokens
                grams = grams * np.uint64(1_000_003) + ids[j:j + len(grams)].view(np.uint64)
        selected, where = winnow(grams.view(np.int64), GUARANTEE - NOISE + 1,
                                 remove_duplicates=False)
        for value, at in zip(selected.tolist(), where.tolist()):
            self.hash_idx.setdefault(value, []).append(at)
        self.hashes = set(self.hash_idx)
        self.coverage = get_token_coverage(self.hash_idx, NOISE, len(ids))

    def shared(self, other: "_Own"):
        """(shared tokens of self's, share of self's, share of other's, slices in self,
        slices in other); slices are copydetect's, in tokens."""
        from copydetect.utils import find_fingerprint_overlap, get_copied_slices

        idx_a, idx_b = find_fingerprint_overlap(self.hashes, other.hashes, self.hash_idx,
                                                other.hash_idx)
        slices_a, slices_b = get_copied_slices(idx_a, NOISE), get_copied_slices(idx_b, NOISE)
        tokens_a = int(np.sum(slices_a[1] - slices_a[0])) if len(idx_a) else 0
        tokens_b = int(np.sum(slices_b[1] - slices_b[0])) if len(idx_b) else 0
        return (tokens_a, min(float(tokens_a / self.coverage), 1.0) if tokens_a else 0.0,
                min(float(tokens_b / other.coverage), 1.0) if tokens_b else 0.0,
                slices_a, slices_b)

    def regions(self, slices) -> np.ndarray:
        """Shared token ranges (copydetect's slices, in own tokens) as 2 x n character
        ranges of the submission: each starts at a token's first character and ends at a
        token's last, split where given code or a comment lies between two shared tokens."""
        return _runs([tuple(self.spans[i]) for first, last in
                      zip(*np.asarray(slices, dtype=int).reshape(2, -1).tolist())
                      for i in range(first, min(last, len(self.spans)))], self.code)


def compare(sources: dict[str, str], stub: str | None = None,
            candidates: int = CANDIDATES) -> list[Pair]:
    """The pairs of ``sources`` (key -> code) sharing the most code of their own (the stub's
    set aside), most similar first.

    Every pair is first scored cheaply by the fingerprints the two have in common; only the
    ``candidates`` best are compared in full (shared regions and shares), so a large class
    costs little more than reading it.
    """
    if stub is None:
        stub = paths.STUB.read_text(encoding="utf-8") if paths.STUB.is_file() else ""
    given = _Stub(stub)
    own = {key: _Own(code, given) for key, code in sorted(sources.items())}
    rough = []
    for a, b in itertools.combinations(own, 2):
        common = len(own[a].hashes & own[b].hashes)
        if common:
            rough.append((-(common / len(own[a].hashes) + common / len(own[b].hashes)), a, b))
    pairs = []
    for _, a, b in sorted(rough)[:candidates]:
        tokens, share_a, share_b, slices_a, slices_b = own[a].shared(own[b])
        if tokens == 0:
            continue
        pairs.append(Pair(a, b, (share_a + share_b) / 2, share_a, share_b, int(tokens),
                          own[a].regions(slices_a), own[b].regions(slices_b),
                          own[a].given, own[b].given))
    return sorted(pairs, key=lambda p: (-p.share, -p.tokens, p.a, p.b))


def _marked(code: str, slices: np.ndarray, given: np.ndarray | None = None) -> str:
    """``code`` escaped for HTML, its shared regions in <mark>, the given code greyed."""
    code = code[:MAX_SOURCE_CHARS]
    regions = [(start, end, "mark")
               for start, end in zip(*np.asarray(slices).reshape(2, -1).tolist())]
    if given is not None:
        regions += [(start, end, 'span class="given"') for start, end in zip(*given.tolist())]
    parts, at = [], 0
    for start, end, tag in sorted(regions):
        start, end = max(int(start), at), min(int(end), len(code))
        if start >= end:
            continue
        parts.append(html.escape(code[at:start]))
        parts.append(f"<{tag}>" + html.escape(code[start:end]) + f"</{tag.split()[0]}>")
        at = end
    parts.append(html.escape(code[at:]))
    return "".join(parts)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; line-height: 1.4; }
table { border-collapse: collapse; } td, th { padding: .25rem .7rem; text-align: left; }
tr + tr td { border-top: 1px solid #ddd; } .num { text-align: right; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
pre { background: #f7f7f7; padding: .6rem; overflow-x: auto; font-size: .8rem;
      white-space: pre-wrap; overflow-wrap: anywhere; }
mark { background: #ffd966; } .given { color: #999; }
.note { color: #555; }
"""


def render(pairs: list[Pair], sources: dict[str, str], names: dict[str, str] | None = None) -> str:
    names = names or {}

    def who(key):
        name = names.get(key, "")
        return html.escape(key) + (f" ({html.escape(name)})" if name and name != key else "")

    shown = [p for p in pairs if p.share >= MIN_SHARE][:SHOWN_PAIRS]
    rows = "".join(
        f'<tr><td class="num">{i}</td><td><a href="#pair-{i}">{who(p.a)}</a></td><td>{who(p.b)}</td>'
        f'<td class="num">{p.share:.0%}</td><td class="num">{p.share_a:.0%}</td>'
        f'<td class="num">{p.share_b:.0%}</td><td class="num">{p.tokens}</td></tr>'
        for i, p in enumerate(shown, 1))
    details = "".join(
        f'<h2 id="pair-{i}">{i}. {who(p.a)} and {who(p.b)}: {p.share:.0%}</h2>'
        f'<div class="pair"><div><h3>{who(p.a)}</h3>'
        f'<pre>{_marked(sources[p.a], p.slices_a, p.given_a)}</pre></div>'
        f'<div><h3>{who(p.b)}</h3><pre>{_marked(sources[p.b], p.slices_b, p.given_b)}</pre></div></div>'
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
of their own code are listed. Only what the students wrote is compared: the given code (the
stub's imports, signatures, docstrings, hints and <code>run_kmeans</code>, shown in grey) never
counts, and a share is of the student's own code. Shared code is found on normalised tokens:
names, comments and layout do not count, so renamed variables still match. A high share is a
reason to look, not proof of copying: short correct solutions resemble each other.</p>
{table}
{details}
</body></html>
"""


def write_report(sources: dict[str, str], out: Path, names: dict[str, str] | None = None,
                 stub: str | None = None) -> list[Pair]:
    """Compare ``sources`` and write the report to ``out`` atomically; return the pairs."""
    pairs = compare(sources, stub)
    out = Path(out)
    fd, temporary = tempfile.mkstemp(prefix=".similarity-", dir=out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(render(pairs, sources, names))
    os.chmod(temporary, 0o644)
    os.replace(temporary, out)
    return pairs
