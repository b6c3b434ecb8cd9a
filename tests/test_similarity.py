"""The similarity report: a copied-and-renamed pair ranks first, the stub is never 'shared'."""

import io
import re
import tokenize

from autograder import paths, similarity
from conftest import GOLDEN, build

# Distinct styles and common mistakes, as a class would hand them in.
GOLDENS = {"amy": "correct_broadcast.py", "ben": "correct_loops.py", "cal": "correct_matmul.py",
           "dee": "closest_ties_last.py", "eve": "means_empty_zero.py",
           "fay": "init_with_replacement.py", "gus": "compress_no_rescale.py"}
RENAME = {"distance": "dists", "norm_ij": "d", "idx": "labels", "points": "members",
          "randidx": "order", "original": "scaled", "X_img": "pixels", "i": "row", "j": "col",
          "initial_centroids": "start", "X_recovered": "out", "k": "c", "m": "rows", "n": "cols"}


def renamed(source: str) -> str:
    """``source`` with its variables renamed, its comments changed and its layout spread out:
    what a student who copies does to hide it (the code still runs the same)."""
    out = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        text = token.string
        if token.type == tokenize.NAME and text in RENAME:
            text = RENAME[text]
        elif token.type == tokenize.COMMENT:
            text = "# my own work"
        out.append((token.type, text))
    return tokenize.untokenize(out).replace("\n\n", "\n\n\n")


def sources(tmp_path) -> dict:
    found = {}
    for student, golden in GOLDENS.items():
        (tmp_path / student).mkdir()
        found[student] = build(golden, tmp_path / student).read_text()
    return found


def test_a_copied_and_renamed_pair_ranks_first(tmp_path):
    class_ = sources(tmp_path)
    class_["zed"] = paths.STUB.read_text() + "\n\n" + renamed((GOLDEN / GOLDENS["ben"]).read_text())
    assert not re.search(r"\bdistance\s*=", class_["zed"]) and re.search(r"\bdists\s*=", class_["zed"])
    compile(class_["zed"], "zed", "exec")
    pairs = similarity.compare(class_)
    assert {pairs[0].a, pairs[0].b} == {"ben", "zed"}
    assert pairs[0].share > 0.9
    # Honest students in different styles share much less.
    styles = {frozenset(("amy", "ben")), frozenset(("ben", "cal")), frozenset(("amy", "cal"))}
    assert all(p.share < pairs[0].share - 0.2 for p in pairs if frozenset((p.a, p.b)) in styles)


def test_the_stub_is_not_shared_code(tmp_path):
    """Two students who only filled in one function the same way share only that function."""
    stub = paths.STUB.read_text()
    function = (GOLDEN / "correct_loops.py").read_text().split("def compute_centroid_means")[0]
    pairs = similarity.compare({"a": stub, "b": stub})
    assert pairs == []  # nothing beyond the stub itself
    pairs = similarity.compare({"a": stub + function, "b": stub + function})
    assert len(pairs) == 1
    a = stub + function
    marked = "".join(a[s:e] for s, e in zip(*pairs[0].slices_a.tolist()))
    assert "argmin" in marked and "Returns" not in marked  # the stub's docstrings are not marked


def test_the_report_escapes_everything_from_submissions(tmp_path):
    class_ = sources(tmp_path)
    evil = "# </pre><script>alert(1)</script>\n" + class_["ben"]
    pairs = similarity.write_report({"ben": class_["ben"], "x<img src=x onerror=alert(2)>": evil},
                                    tmp_path / "similarity.html",
                                    {"ben": "<b>Ben</b>"})
    page = (tmp_path / "similarity.html").read_text()
    assert pairs and "<script" not in page and "<img" not in page and "<b>Ben" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;Ben&lt;/b&gt;" in page
    assert re.search(r"<mark>.*argmin", page, re.S)  # shared regions are marked
