"""The similarity report: a copied-and-renamed pair ranks first, the stub is never 'shared'."""

import io
import os
import re
import subprocess
import sys
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


INDEPENDENT = ("correct_broadcast.py", "correct_loops.py", "correct_matmul.py")
# One of the four graded functions is about a quarter of a submission's own code: a pair of
# independent solutions must share less than that (they share only idioms such as the
# run_kmeans(pixels, kmeans_init_centroids(pixels, K, rng), max_iters) call, about a tenth).
INDEPENDENT_SHARE = 0.25


def filled_in(golden: str) -> str:
    """The stub with each ``raise NotImplementedError`` replaced by the golden's body of that
    function, as a student who writes in place hands it in (docstrings and hints kept)."""
    bodies = {}
    for chunk in (GOLDEN / golden).read_text().split("\ndef ")[1:]:
        name, _, rest = chunk.partition("(")
        bodies[name] = rest.split(":\n", 1)[1].rstrip() + "\n"
    stub = paths.STUB.read_text()
    for name, body in bodies.items():
        line = f'    raise NotImplementedError("{name} is not implemented yet")\n'
        assert line in stub, name
        stub = stub.replace(line, body)
    compile(stub, golden, "exec")
    return stub


def test_independent_correct_solutions_do_not_read_as_copying(tmp_path):
    """Correct solutions written independently, in different styles, share little of their own
    code, whether appended to the stub or written into it, and none of the stub's."""
    appended = {}
    for golden in INDEPENDENT:
        (tmp_path / golden).mkdir()
        appended[golden] = build(golden, tmp_path / golden).read_text()
    in_place = {golden: filled_in(golden) for golden in INDEPENDENT}
    for class_ in (appended, in_place):
        pairs = similarity.compare(class_)
        assert all(p.share < INDEPENDENT_SHARE for p in pairs), [(p.a, p.b, p.share) for p in pairs]
    # The stub alone, filled in, shares nothing with itself filled in differently.
    def ranked(class_):
        return [(p.a, p.b, p.share) for p in similarity.compare(class_)]

    assert ranked({"stub": paths.STUB.read_text(), **in_place}) == ranked(in_place)


def test_a_given_signature_with_renamed_parameters_is_still_given_code(tmp_path):
    """A copy that renames the parameters of the stub's functions is still a whole copy: the
    signatures are given code in both, not code of the copier's own."""
    original = build(GOLDENS["ben"], tmp_path).read_text()
    copy = paths.STUB.read_text() + "\n\n" + renamed((GOLDEN / GOLDENS["ben"]).read_text())
    signature = "defcompute_centroid_means(X,labels,K):"
    assert signature in "".join(copy.split())
    pairs = similarity.compare({"original": original, "copy": copy})
    assert len(pairs) == 1 and pairs[0].share_a > 0.99 and pairs[0].share_b > 0.99
    pair = pairs[0]
    given = pair.given_a if pair.a == "copy" else pair.given_b
    assert any(signature in "".join(copy[s:e].split()) for s, e in zip(*given.tolist()))


def test_marks_cover_whole_tokens_and_never_the_stub(tmp_path):
    """A highlight starts and ends on a token's edge (never inside a word) and never covers
    the given code (the stub's signatures, even with renamed parameters as zed's, docstrings
    or raise NotImplementedError lines)."""
    class_ = sources(tmp_path)
    class_["zed"] = paths.STUB.read_text() + "\n\n" + renamed((GOLDEN / GOLDENS["ben"]).read_text())
    class_.update({"in_" + g: filled_in(g) for g in INDEPENDENT})
    pairs = similarity.compare(class_)
    assert len(pairs) >= 5
    word = re.compile(r"\w")
    for pair in pairs:
        for key, slices in ((pair.a, pair.slices_a), (pair.b, pair.slices_b)):
            code = class_[key]
            assert slices.size
            for start, end in zip(*slices.tolist()):
                assert 0 <= start < end <= len(code)
                marked = code[start:end]
                assert marked == marked.strip(), (key, marked)
                assert not (start > 0 and word.match(code[start - 1]) and word.match(code[start]))
                assert not (end < len(code) and word.match(code[end - 1]) and word.match(code[end]))
                assert "NotImplementedError" not in marked and "Parameters" not in marked
                assert not re.search(r"\bdef (find_closest_centroids|compute_centroid_means|"
                                     r"kmeans_init_centroids|compress_image)\b", marked), marked
    page = similarity.render(pairs, class_)
    assert re.search(r'<span class="given">[^<]*raise NotImplementedError', page)  # greyed
    assert not re.search(r"<mark>[^<]*(NotImplementedError|Parameters)", page)


def test_the_ranking_is_the_same_in_every_run(tmp_path):
    """Fingerprints do not depend on Python's per-process string hashing."""
    script = ("import sys; sys.path.insert(0, 'tests'); from test_similarity import *; "
              "from autograder import similarity; import pathlib, tempfile; "
              "c = sources(pathlib.Path(tempfile.mkdtemp())); "
              "print([(p.a, p.b, round(p.share, 6), p.tokens) for p in similarity.compare(c)])")
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, cwd=paths.ROOT,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2")}
    assert len(runs) == 1 and runs.pop().startswith("[('amy', ")


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


def test_the_sample_class_reads_as_one_copied_pair_not_mass_copying(tmp_path):
    """examples/make_sample_class.py's students write different code: only its one deliberate
    pair shares most of it; every other pair shares less than half (one function at most)."""
    sys.path.insert(0, str(paths.ROOT / "examples"))
    import make_sample_class as sample

    built = sample.sources(tmp_path, list(sample.CLASS))
    built["zz_late"] = sample.write(sample.LATE_UPLOADS[1], tmp_path / "late")  # LMS layouts'
    pairs = similarity.compare({s: p.read_text(encoding="utf-8") for s, p in built.items()})
    first, rest = pairs[0], pairs[1:]
    assert (first.a, first.b) == sample.COPIED and first.share > 0.6, first
    assert rest and all(p.share < 0.5 for p in rest), [(p.a, p.b, p.share) for p in rest[:3]]
