"""Assemble a sample class of ten submissions from the golden submissions in tests/golden/.

Run: `python examples/make_sample_class.py [OUT] [--layout plain|canvas|moodle|gradescope]`
(default: examples/submissions, plain). Each student's file is the stub with the golden's
functions filled in, exactly as the test suite grades it.

- plain: one entry per student named after them; one arrives as a folder and one as a zip, as an
  LMS export mixes them.
- canvas, moodle, gradescope: the class as that LMS exports it (see autograder/lms/), with an
  eleventh student, José Núñez, who handed in late, uploaded kmeans.py twice (the second upload
  is the one graded) and added a notes file.

The folder is rebuilt from scratch on every run and is not committed.
"""

import argparse
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from conftest import build  # noqa: E402

# student -> (golden submission, how it is handed in, full name)
CLASS = {
    "ada_lovelace": ("correct_broadcast.py", "file", "Ada Lovelace"),
    "alan_turing": ("correct_loops.py", "folder", "Alan Turing"),
    "grace_hopper": ("correct_matmul.py", "zip", "Grace Hopper"),
    "edsger_dijkstra": ("closest_ties_last.py", "file", "Edsger Dijkstra"),
    "barbara_liskov": ("means_empty_zero.py", "file", "Barbara Liskov"),
    "donald_knuth": ("init_with_replacement.py", "file", "Donald Knuth"),
    "margaret_hamilton": ("compress_no_rescale.py", "file", "Margaret Hamilton"),
    "john_backus": ("broken_syntax.py", "file", "John Backus"),
    "frances_allen": ("hang_init.py", "file", "Frances Allen"),
    "ken_thompson": ("hostile_forge.py", "file", "Ken Thompson"),
}
# The LMS exports' eleventh student: late, two uploads of kmeans.py and a notes file.
LATE_STUDENT = "José Núñez"
LATE_GOLDENS = ("means_empty_zero.py", "correct_broadcast.py")  # first upload, second upload
LAYOUTS = ("plain", "canvas", "moodle", "gradescope")


def sources(work: Path, students) -> dict:
    """student -> the path of their kmeans.py, built in ``work``."""
    built = {}
    for student in students:
        folder = work / student
        folder.mkdir(parents=True)
        built[student] = build(CLASS[student][0], folder)
    return built


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
        late = []
        for golden in LATE_GOLDENS:
            (work / f"late-{len(late)}").mkdir()
            late.append(build(golden, work / f"late-{len(late)}"))
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
