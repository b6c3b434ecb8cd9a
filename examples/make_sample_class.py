"""Assemble a sample class of ten submissions from the golden submissions in tests/golden/.

Run: `python examples/make_sample_class.py [OUT] [--layout plain|canvas|moodle|gradescope]`
(default: examples/submissions, plain).

The students write genuinely different code, as a real class does: three write the assignment
in one style each (tests/golden/correct_broadcast.py, correct_loops.py, correct_matmul.py); five
make one typical mistake each, in a function of their own, and take each other function from a
different style, so that no two of them share more than one function's code; two hand in a
syntax error and a forged-results attempt. Each student's file is the stub with their functions
filled in. One pair is copying on purpose, to show what the similarity report (similarity.html,
which a batch writes) finds: Margaret Hamilton hands in Alan Turing's code with her own mistake
in compress_image. No other pair shares more than one function.

- plain: one entry per student named after them; one arrives as a folder and one as a zip, as an
  LMS export mixes them.
- canvas, moodle, gradescope: the class as that LMS exports it (see autograder/lms/), with an
  eleventh student, José Núñez, who handed in late, uploaded kmeans.py twice (the second upload
  is the one graded) and added a notes file.

The folder is rebuilt from scratch on every run and is not committed.
"""

import argparse
import ast
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from conftest import GOLDEN, build  # noqa: E402
from autograder.paths import STUB  # noqa: E402

FUNCTIONS = ("find_closest_centroids", "compute_centroid_means", "kmeans_init_centroids",
             "compress_image")
B, L, M = "correct_broadcast.py", "correct_loops.py", "correct_matmul.py"
# student -> (what they wrote, how it is handed in, full name). What they wrote is a golden
# submission built as the test suite grades it, or one golden per function of FUNCTIONS (each
# function's code taken from that golden).
CLASS = {
    "ada_lovelace": (B, "file", "Ada Lovelace"),
    "alan_turing": (L, "folder", "Alan Turing"),
    "grace_hopper": (M, "zip", "Grace Hopper"),
    "edsger_dijkstra": (("closest_ties_last.py", L, M, B), "file", "Edsger Dijkstra"),
    "barbara_liskov": ((M, "means_empty_zero.py", B, L), "file", "Barbara Liskov"),
    "donald_knuth": ((B, M, "init_with_replacement.py", L), "file", "Donald Knuth"),
    # the deliberate copy: Alan Turing's functions, her own mistake in compress_image
    "margaret_hamilton": ((L, L, L, "compress_no_rescale.py"), "file", "Margaret Hamilton"),
    "john_backus": ("broken_syntax.py", "file", "John Backus"),
    "frances_allen": ((L, M, "hang_init.py", B), "file", "Frances Allen"),
    "ken_thompson": ("hostile_forge.py", "file", "Ken Thompson"),
}
COPIED = ("alan_turing", "margaret_hamilton")  # the one pair the similarity report should flag
# The LMS exports' eleventh student: late, two uploads of kmeans.py and a notes file; the
# second (graded) is correct, and shares no more with anyone than the others do.
LATE_STUDENT = "José Núñez"
LATE_UPLOADS = ((L, "means_empty_zero.py", M, M),  # first upload
                (L, B, M, M))  # second upload
LAYOUTS = ("plain", "canvas", "moodle", "gradescope")


def functions_of(golden: str) -> dict[str, str]:
    """The source of each function a golden submission defines."""
    source = (GOLDEN / golden).read_text(encoding="utf-8")
    return {node.name: ast.get_source_segment(source, node)
            for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}


def write(what, folder: Path) -> Path:
    """``folder``/kmeans.py: a golden built as the suite grades it, or the stub with each
    function of FUNCTIONS taken from its golden."""
    folder.mkdir(parents=True)
    if isinstance(what, str):
        return build(what, folder)
    parts = [STUB.read_text(encoding="utf-8").rstrip()]
    parts += [functions_of(golden)[function] for function, golden in zip(FUNCTIONS, what)]
    target = folder / "kmeans.py"
    target.write_text("\n\n\n".join(parts) + "\n", encoding="utf-8")
    return target


def sources(work: Path, students) -> dict:
    """student -> the path of their kmeans.py, built in ``work``."""
    return {student: write(CLASS[student][0], work / student) for student in students}


def _zip(source: Path, target: Path, inside: str) -> None:
    with zipfile.ZipFile(target, "w") as archive:
        archive.write(source, inside)


def make(out: Path, layout: str = "plain", students=None) -> Path:
    """Write the class (``students``: a subset of CLASS, default all) in ``layout`` to ``out``."""
    students = list(students or CLASS)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    work = out.parent / f".{out.name}-build"
    shutil.rmtree(work, ignore_errors=True)
    built = sources(work, students)
    if layout == "plain":
        for student in students:
            source, form = built[student], CLASS[student][1]
            if form == "file":
                shutil.copy(source, out / f"{student}.py")
            elif form == "folder":
                (out / student).mkdir()
                shutil.copy(source, out / student / "kmeans.py")
            else:
                _zip(source, out / f"{student}.zip", f"{student}/kmeans.py")
    else:
        late = [write(upload, work / f"late-{n}") for n, upload in enumerate(LATE_UPLOADS)]
        (work / "notes.txt").write_text("I used the lecture's hints.\n", encoding="utf-8")
        people = [(CLASS[s][2], built[s], CLASS[s][1]) for s in students]
        {"canvas": _canvas, "moodle": _moodle, "gradescope": _gradescope}[layout](
            out, people, late, work / "notes.txt")
    shutil.rmtree(work)
    return out


def _canvas(out: Path, people, late, notes) -> None:
    """Canvas: name_[LATE_]userid_submissionid_file; a re-upload gets -1."""
    for n, (name, source, form) in enumerate(people):
        squashed = "".join(reversed(name.lower().split()))
        prefix = f"{squashed}_{1001 + n}_{5001 + n}_"
        if form == "zip":
            _zip(source, out / f"{prefix}submission.zip", "kmeans.py")
        else:
            shutil.copy(source, out / f"{prefix}kmeans.py")
    prefix = "núñezjosé_LATE_1099_5099_"
    shutil.copy(late[0], out / f"{prefix}kmeans.py")
    shutil.copy(late[1], out / f"{prefix}kmeans-1.py")
    shutil.copy(notes, out / f"{prefix}notes.txt")


def _moodle(out: Path, people, late, notes) -> None:
    """Moodle, downloaded in folders: Full Name_participantid_assignsubmission_file_/..."""
    for n, (name, source, form) in enumerate(people):
        folder = out / f"{name}_{20001 + n}_assignsubmission_file_"
        folder.mkdir()
        if form == "zip":
            _zip(source, folder / "kmeans.zip", "kmeans.py")
        else:
            shutil.copy(source, folder / "kmeans.py")
    folder = out / f"{LATE_STUDENT}_20099_assignsubmission_file_"
    folder.mkdir()
    shutil.copy(late[1], folder / "kmeans.py")
    shutil.copy(late[0], folder / "kmeans_old.py")
    shutil.copy(notes, folder / "notes.txt")
    (out / f"{LATE_STUDENT}_20099_assignsubmission_onlinetext_onlinetext.html").write_text(
        "<p>See my notes.</p>", encoding="utf-8")


def _gradescope(out: Path, people, late, notes) -> None:
    """Gradescope: submission_metadata.yml beside submission_<id>/ folders."""
    lines = []
    everyone = people + [(LATE_STUDENT, late[1], "late")]
    for n, (name, source, form) in enumerate(everyone):
        folder = out / f"submission_{300001 + n}"
        folder.mkdir()
        if form == "zip":
            _zip(source, folder / "kmeans.zip", "kmeans.py")
        else:
            shutil.copy(source, folder / "kmeans.py")
        if form == "late":
            shutil.copy(notes, folder / "notes.txt")
        email = name.lower().replace(" ", ".").encode("ascii", "ignore").decode() + "@example.edu"
        lines += [f"submission_{300001 + n}:", "  :submitters:", f"  - :name: {name}",
                  f"    :sid: '{7001 + n}'", f"    :email: {email}",
                  "  :created_at: 2026-11-20 10:00:00.000000000 -08:00", "  :score: 0.0"]
    (out / "submission_metadata.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "examples" / "submissions"))
    parser.add_argument("--layout", choices=LAYOUTS, default="plain")
    args = parser.parse_args()
    target = make(Path(args.out), args.layout)
    extra = " and a late eleventh student" if args.layout != "plain" else ""
    print(f"wrote {len(CLASS)} submissions{extra} to {target} ({args.layout} layout)")
