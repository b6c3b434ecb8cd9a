"""Who handed in what: the layouts learning-management systems export a class in, and the
files their gradebooks import.

Each LMS is one class (a subclass of :class:`~autograder.lms.base.Lms`, one file each) that
reads its export and, if its gradebook imports one, writes its import file (and, if it takes
one, the zip of feedback pages its bulk feedback upload matches to students); ``SYSTEMS`` lists
them. Adding an LMS is a file and an entry in ``SYSTEMS``.

``read_class(folder)`` recognises the layout of a folder of submissions and returns one
:class:`Student` per LMS identity, however many files that student uploaded: canvas
(canvas.py), moodle (moodle.py), gradescope (gradescope.py), or plain (plain.py): anything
else, one file, folder or zip per student, named after the student.

Metadata files (``submission_metadata.yml``, macOS and Windows litter, hidden files) are never
students. Entries of an LMS folder that do not follow its pattern are plain students.

**Which file is graded** when a student uploaded several: ``submission.pick``'s rule, the one
every layout follows, on each file's latest upload (Canvas's highest ``-N``): (1) a file named
``kmeans.py`` (once the LMS's prefix and Canvas's ``-N`` re-upload suffix are taken off), (2)
``kmeans.ipynb``, (3) the only other ``.py`` file, (4) the only notebook, (5) the only zip.
When no file is the submission (two ``.py`` files, only a notes file), a student who handed in
a folder has the folder graded, which is refused in one line listing what it holds; a student
with loose uploads (Canvas) gets that same line as its verdict (``Student.refused``), and none
of them is graded. The others are listed in the gradebook and in the student's feedback, and
never graded.
"""

from pathlib import Path

from .base import (METADATA, Graded, Lms, LmsError, Student, escape, is_litter, people,
                   plain_key, rank, readable, safe_key)
from .canvas import Canvas
from .gradescope import Gradescope
from .moodle import Moodle
from .plain import Plain

# Every LMS, in the order that settles a tie when two claim a folder equally.
SYSTEMS: dict[str, type[Lms]] = {lms.name: lms for lms in (Gradescope, Moodle, Canvas, Plain)}
# The LMSes whose gradebook import file a batch can write (``batch --lms NAME``).
IMPORTS = sorted(name for name, lms in SYSTEMS.items() if lms.import_file)

__all__ = ["IMPORTS", "METADATA", "SYSTEMS", "Graded", "Lms", "LmsError", "Student",
           "is_litter", "escape", "people", "plain_key", "read_class", "rank", "readable",
           "safe_key", "system"]


def system(name: str) -> Lms:
    """The LMS called ``name``, ready to read an export or write an import file."""
    return SYSTEMS[name]()


def detect(children: list[Path], folder: Path) -> Lms:
    """The LMS that claims ``folder`` most strongly (plain when none does)."""
    systems = [lms() for lms in SYSTEMS.values()]
    best = max(systems, key=lambda lms: lms.claims(children, folder))
    return best if best.claims(children, folder) > 0 else Plain()


def read_class(folder: Path, exclude: Path | None = None) -> tuple[str, list[Student]]:
    """The layout of ``folder`` and its students, sorted by key (``exclude``: not a student)."""
    folder = Path(folder)
    children = [c for c in sorted(folder.iterdir()) if not is_litter(c)
                and not (exclude is not None and c.resolve() == Path(exclude).resolve())]
    lms = detect(children, folder)
    students, rest = lms.students(children, folder)
    students += Plain().students(rest, folder, taken={s.key for s in students})[0]
    return lms.name, sorted(students, key=lambda s: s.key)
