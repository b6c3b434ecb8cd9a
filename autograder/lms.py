"""Who handed in what: the layouts learning-management systems export a class in.

``read_class(folder)`` recognises the layout of a folder of submissions and returns one
:class:`Student` per LMS identity, however many files that student uploaded:

- **canvas** ("Download Submissions"): files named ``name_[LATE_]userid_submissionid_file``,
  e.g. ``núñezjosé_LATE_1234_98765_kmeans-1.py``. The identity is the Canvas user id; ``LATE_``
  is the late flag; Canvas appends ``-1``, ``-2``, ... to a file uploaded again.
- **moodle** ("Download all submissions"): files named ``Full Name_12345_assignsubmission_file_X``
  or, with "Download submissions in folders", folders named ``Full Name_12345_assignsubmission_file_``
  holding the files. The identity is the participant id (``Participant 12345`` in Moodle's
  grading worksheet). The export does not say who was late.
- **gradescope** ("Export Submissions"): ``submission_metadata.yml`` beside one folder
  ``submission_<id>`` per submission; the metadata names the submitters. The export does not say
  who was late.
- **plain**: anything else: one file, folder or zip per student, named after the student (the
  name is kept in full; the key, a folder name, keeps only letters, digits and ``._-``).

Metadata files (``submission_metadata.yml``, macOS and Windows litter, hidden files) are never
students. Entries of an LMS folder that do not follow its pattern are plain students.

**Which file is graded** when a student uploaded several: the first of (1) a file named
``kmeans.py`` (once the LMS's prefix and Canvas's ``-N`` re-upload suffix are taken off), (2) any
other ``.py`` file, (3) a notebook (``.ipynb``), (4) a zip, (5) anything else; among files of the
same rank, the latest upload (Canvas's highest ``-N``), then the first by name. The others are
listed in the gradebook and never graded.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

METADATA = "submission_metadata.yml"
LITTER = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini", METADATA}
MAX_METADATA_BYTES = 20 << 20
LAYOUTS = ("canvas", "moodle", "gradescope", "plain")

CANVAS = re.compile(r"^(?P<name>[^_]*)_(?P<late>LATE_)?(?P<id>\d+)_(?P<submission>\d+)_(?P<file>.+)$",
                    re.DOTALL)
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$",
                    re.DOTALL)
GRADESCOPE = re.compile(r"^submission_(?P<id>\d+)$")
COPY = re.compile(r"^(?P<base>.*?)-(?P<n>\d+)(?P<ext>\.[^.]*)?$", re.DOTALL)


class LmsError(Exception):
    """The export cannot be read (e.g. its metadata is broken); the message says why."""


@dataclass
class Student:
    key: str  # unique in the class and safe as a folder name
    path: Path  # what is graded
    lms: str = ""  # "canvas", "moodle", "gradescope", or "" for a plain entry
    lms_id: str = ""
    name: str = ""  # in full, as the LMS spells it
    late: str = ""  # "yes", "no", or "" when the export does not say
    graded_file: str = ""  # the graded file's name, as uploaded
    others: list[str] = field(default_factory=list)  # the student's other files, not graded

    def record(self) -> dict:
        return {"key": self.key, "lms": self.lms, "lms_id": self.lms_id, "name": self.name,
                "late": self.late, "graded_file": self.graded_file, "others": self.others}


def safe_key(name: str) -> str:
    """A folder name made from an entry's name: its stem, in letters, digits, ``._-``."""
    stem = re.sub(r"\.(zip|py|ipynb)$", "", name, flags=re.IGNORECASE)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "submission"
    return safe[:100]


def is_litter(path: Path) -> bool:
    return path.name in LITTER or path.name.startswith(".") or path.is_symlink()


def rank(upload_name: str) -> tuple:
    """Sort key of the graded-file rule (module docstring): lowest is graded."""
    name, copy = upload_name, 0
    if match := COPY.match(upload_name):
        name, copy = match["base"] + (match["ext"] or ""), int(match["n"])
    lower = name.lower()
    kind = (0 if lower == "kmeans.py" else 1 if lower.endswith(".py") else
            2 if lower.endswith(".ipynb") else 3 if lower.endswith(".zip") else 4)
    return kind, -copy, upload_name


def _files_in(folder: Path) -> list[Path]:
    """The files in a student's folder (any depth), litter and links left out."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part in LITTER or part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and not path.is_symlink():  # rglob does not enter linked folders
            found.append(path)
    return found


def _choose(uploads: list[tuple[str, Path]]) -> tuple[str, Path, list[str]]:
    """(graded name, its path, the other names) from (upload name, path) pairs."""
    ordered = sorted(uploads, key=lambda item: rank(item[0]))
    return ordered[0][0], ordered[0][1], sorted(name for name, _ in ordered[1:])


def detect(children: list[Path], folder: Path) -> str:
    if (folder / METADATA).is_file() and any(GRADESCOPE.match(c.name) for c in children):
        return "gradescope"
    canvas = sum(bool(CANVAS.match(c.name)) for c in children)
    moodle = sum(bool(MOODLE.match(c.name)) for c in children)
    if max(canvas, moodle) == 0:
        return "plain"
    return "moodle" if moodle >= canvas else "canvas"


def read_class(folder: Path, exclude: Path | None = None) -> tuple[str, list[Student]]:
    """The layout of ``folder`` and its students, sorted by key (``exclude``: not a student)."""
    folder = Path(folder)
    children = [c for c in sorted(folder.iterdir()) if not is_litter(c)
                and not (exclude is not None and c.resolve() == Path(exclude).resolve())]
    layout = detect(children, folder)
    groups: dict[str, Student] = {}
    uploads: dict[str, list[tuple[str, Path]]] = {}
    plain = []
    metadata = _gradescope_metadata(folder) if layout == "gradescope" else {}
    for child in children:
        match = (CANVAS if layout == "canvas" else MOODLE if layout == "moodle"
                 else GRADESCOPE if layout == "gradescope" else None)
        found = match.match(child.name) if match else None
        if not found:
            plain.append(child)
            continue
        key = found["id"] if layout != "gradescope" else child.name
        if layout == "gradescope":
            people = metadata.get(child.name, [])
            student = Student(key, child, "gradescope",
                              "; ".join(p["sid"] or p["email"] for p in people),
                              "; ".join(p["name"] for p in people))
        else:
            student = Student(key, child, layout, found["id"], found["name"].strip(),
                              ("yes" if found["late"] else "no") if layout == "canvas" else "")
        if key not in groups:
            groups[key] = student
        elif layout == "canvas" and student.late == "yes":
            groups[key].late = "yes"
        files = uploads.setdefault(key, [])
        if child.is_dir():
            files += [(str(p.relative_to(child)), p) for p in _files_in(child)]
        elif layout == "moodle" and found["plugin"] != "file":
            files.append((found["file"] or child.name, child))  # online text: listed, not graded
        else:
            files.append((found["file"] if layout != "gradescope" else child.name, child))
    for key, student in groups.items():
        if uploads[key]:
            student.graded_file, student.path, student.others = _choose(uploads[key])
        else:
            student.graded_file = ""  # an empty folder: graded as such, and found wanting
    students = list(groups.values())
    taken = set(groups)
    for child in plain:
        key, n = safe_key(child.name), 2
        base = key
        while key in taken:
            key, n = f"{base}-{n}", n + 1
        taken.add(key)
        name = re.sub(r"\.(zip|py|ipynb)$", "", child.name, flags=re.IGNORECASE)
        students.append(Student(key, child, name=name, graded_file=child.name))
    return layout, sorted(students, key=lambda s: s.key)


def _gradescope_metadata(folder: Path) -> dict[str, list[dict]]:
    """submission folder name -> its submitters (name, sid, email), from the export's YAML."""
    import yaml

    path = folder / METADATA
    if path.stat().st_size > MAX_METADATA_BYTES:
        raise LmsError(f"{METADATA} is larger than a class's metadata should be")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise LmsError(f"{METADATA} cannot be read as YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise LmsError(f"{METADATA} does not map submission folders to their submitters")
    found = {}
    for submission, record in data.items():
        people = []
        if isinstance(record, dict):
            for person in _field(record, "submitters") or []:
                if isinstance(person, dict):
                    people.append({k: str(_field(person, k) or "") for k in ("name", "sid", "email")})
        found[str(submission)] = people
    return found


def _field(record: dict, name: str):
    """Gradescope writes Ruby symbols as keys (``:name:`` reads as ``":name"``)."""
    return record.get(f":{name}", record.get(name))
