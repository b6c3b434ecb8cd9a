"""Assemble a sample class of ten submissions from the golden submissions in tests/golden/.

Run: `python examples/make_sample_class.py [OUT]` (default: examples/submissions). Each student's
file is the stub with the golden's functions filled in, exactly as the test suite grades it;
one arrives as a folder and one as a zip, as an LMS export mixes them. The folder is rebuilt
from scratch on every run and is not committed.
"""

import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from test_golden import build  # noqa: E402

# student -> (golden submission, how it is handed in)
CLASS = {
    "ada_lovelace": ("correct_broadcast.py", "file"),
    "alan_turing": ("correct_loops.py", "folder"),
    "grace_hopper": ("correct_matmul.py", "zip"),
    "edsger_dijkstra": ("closest_ties_last.py", "file"),
    "barbara_liskov": ("means_empty_zero.py", "file"),
    "donald_knuth": ("init_with_replacement.py", "file"),
    "margaret_hamilton": ("compress_no_rescale.py", "file"),
    "john_backus": ("broken_syntax.py", "file"),
    "frances_allen": ("hang_init.py", "file"),
    "ken_thompson": ("hostile_forge.py", "file"),
}


def make(out: Path) -> Path:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    work = out / ".build"
    for student, (golden, form) in CLASS.items():
        folder = work / student
        folder.mkdir(parents=True)
        source = build(golden, folder)
        if form == "file":
            shutil.copy(source, out / f"{student}.py")
        elif form == "folder":
            (out / student).mkdir()
            shutil.copy(source, out / student / "kmeans.py")
        else:
            with zipfile.ZipFile(out / f"{student}.zip", "w") as archive:
                archive.write(source, f"{student}/kmeans.py")
    shutil.rmtree(work)
    return out


if __name__ == "__main__":
    target = make(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples" / "submissions")
    print(f"wrote {len(CLASS)} submissions to {target}")
