"""What every LMS shares: a student, the graded-file rule, and the class an LMS is."""

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..files import csv_bytes, write_atomically

METADATA = "submission_metadata.yml"
LITTER = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini", METADATA}
COPY = re.compile(r"^(?P<base>.*?)-(?P<n>\d+)(?P<ext>\.[^.]*)?$", re.DOTALL)


class LmsError(Exception):
    """The export cannot be read (e.g. its metadata is broken); the message says why."""


@dataclass
class Student:
    key: str  # unique in the class and safe as a folder name
    path: Path  # what is graded
    lms: str = ""  # the LMS's name ("canvas", ...), or "" for a plain entry
    lms_id: str = ""
    name: str = ""  # in full, as the LMS spells it
    late: str = ""  # "yes", "no", or "" when the export does not say
    graded_file: str = ""  # the graded file's name, as uploaded
    others: list[str] = field(default_factory=list)  # the student's other files, not graded
    # Who handed it in together, when the LMS says (a Gradescope group): (lms_id, name) each.
    members: list[tuple[str, str]] = field(default_factory=list)
    file_id: str = ""  # the LMS's id of the graded upload (Canvas's attachment id), if any
    # Why none of its uploads is the submission (submission.pick's line), when it has several
    # loose uploads and none the rule picks: it is then given that verdict, not graded.
    refused: str = ""

    def record(self) -> dict:
        return {"key": self.key, "lms": self.lms, "lms_id": self.lms_id,
                "name": readable(self.name), "late": self.late,
                "graded_file": readable(self.graded_file),
                "others": [readable(o) for o in self.others],
                "members": [[lms_id, readable(name)] for lms_id, name in self.members],
                "file_id": self.file_id}


def people(record: dict) -> list[tuple[str, str]]:
    """(lms_id, name) of each person a roster record's submission belongs to: every member of
    a group, else the one student (a row of the gradebook or an import file each)."""
    members = record.get("members") or []
    return ([(str(i), str(n)) for i, n in members] if members
            else [(record.get("lms_id", ""), record.get("name", ""))])


@dataclass
class Graded:
    """What a graded student's import rows and feedback zip entries are made of."""

    results: dict  # their results.json
    graded_at: datetime  # when it was written, in local time
    page: str  # their feedback page as students may see it (HTML)


SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
MAX_KEY = 100
# What an LMS's keys look like (its ids): a plain entry's key never does.
LMS_LIKE = re.compile(r"^(\d+|submission_\d+)$")


def name_bytes(name: str) -> bytes:
    """A name's bytes as the file system holds them (``os.fsencode``: names that are not
    UTF-8 come back as the bytes they were)."""
    return name.encode("utf-8", "surrogateescape")


def readable(name: str) -> str:
    """A name as text: bytes that are not UTF-8 become U+FFFD (for JSON, CSV and pages)."""
    return name_bytes(name).decode("utf-8", "replace")


def escape(name: str) -> str:
    """``name`` as a folder name, reversibly: every byte of its UTF-8 (or, for a name that is
    not UTF-8, of the file system's bytes) outside ``A-Za-z0-9._-`` as ``%XX``, and a leading
    ``.`` too (``urllib.parse.unquote_to_bytes`` gives the bytes back)."""
    data = name_bytes(name)
    text = "".join(chr(b) if b in SAFE else f"%{b:02X}" for b in data)
    return "%2E" + text[1:] if text.startswith(".") else text


def bounded(key: str) -> str:
    """A key of at most MAX_KEY characters: a long one is cut, with a hash of all of it."""
    if len(key) <= MAX_KEY:
        return key
    return key[:80] + "~" + hashlib.sha256(key.encode("ascii")).hexdigest()[:16]


def stem_of(name: str) -> tuple[str, str]:
    """(name without a ``.py``, ``.zip`` or ``.ipynb`` extension, that extension)."""
    match = re.search(r"\.(zip|py|ipynb)$", name, flags=re.IGNORECASE)
    return (name[:match.start()], match.group(1)) if match else (name, "")


def plain_key(stem: str, extension: str | None = None) -> str:
    """The key of a plain entry: its name escaped (never a position in a sort, so a student's
    key does not move when others come or go). An escaped name never holds ``~`` and never
    looks like an LMS id (its first character is escaped then), so ``stem~ext``, the key of
    entries whose names differ only in their extension, and an LMS's keys are never the key of
    another entry. Empty names are ``%``-free: the empty stem is ``~``."""
    key = escape(stem) or "~"
    if LMS_LIKE.match(key):
        key = f"%{ord(key[0]):02X}" + key[1:]
    if extension is not None:
        key += "~" + escape(extension)
    return bounded(key)


def safe_key(name: str) -> str:
    """A folder name made from an entry's name: its stem, in letters, digits, ``._-`` (lossy:
    not a student's key, which is ``plain_key``'s reversible escape)."""
    stem = re.sub(r"\.(zip|py|ipynb)$", "", name, flags=re.IGNORECASE)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "submission"
    return safe[:100]


def is_litter(path: Path) -> bool:
    return path.name in LITTER or path.name.startswith(".") or path.is_symlink()


def rank(upload_name: str) -> tuple:
    """Sort key of the graded-file rule (the package's docstring; the order of
    ``submission.pick``): lowest is graded."""
    name, copy = base_name(upload_name)
    lower = name.lower()
    kind = (0 if lower == "kmeans.py" else 1 if lower == "kmeans.ipynb" else
            2 if lower.endswith(".py") else 3 if lower.endswith(".ipynb") else
            4 if lower.endswith(".zip") else 5)
    return kind, -copy, upload_name


def base_name(upload_name: str) -> tuple[str, int]:
    """(the name an upload had before Canvas's ``-N`` re-upload suffix, N or 0)."""
    if match := COPY.match(upload_name):
        return match["base"] + (match["ext"] or ""), int(match["n"])
    return upload_name, 0


def files_in(folder: Path) -> list[Path]:
    """The files in a student's folder (any depth), litter and links left out."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part in LITTER or part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and not path.is_symlink():  # rglob does not enter linked folders
            found.append(path)
    return found


def choose(uploads: list[tuple[str, Path]], where: str = "the uploads"
           ) -> tuple[str, Path, list[str], str]:
    """(graded name, its path, the other names, why no file is the submission: "" when
    ``submission.pick`` found it) from (upload name, path) pairs: the rule is
    ``submission.pick``'s, on each file's latest upload; when it finds no single file to grade,
    the first by ``rank`` and the rule's one-line refusal, which ``where`` names."""
    from ..submission import SubmissionError, pick

    ordered = sorted(uploads, key=lambda item: rank(item[0]))
    latest = {}
    for item in ordered:
        latest.setdefault(base_name(item[0])[0], item)
    try:
        chosen, _ = pick(list(latest.values()), where, lambda u: Path(base_name(u[0])[0]),
                         lambda u: False, zips=True)
        refusal = ""
    except SubmissionError as error:
        chosen, refusal = ordered[0], str(error)
    return chosen[0], chosen[1], sorted(name for name, _ in ordered if name != chosen[0]), refusal


class Lms:
    """One LMS: how its export names a class's entries (``pattern``, ``identify``,
    ``uploads``) and, if its gradebook imports one, the file it takes (``import_file``,
    ``import_rows``). A subclass is made once per class read, so it may keep what it read."""

    name = ""
    pattern: re.Pattern | None = None  # an entry of the export; its ``file`` group: the upload
    import_file: str | None = None  # written into OUTDIR by ``batch --lms NAME``
    feedback_file: str | None = None  # the zip of feedback pages its bulk upload takes, if any

    def claims(self, children: list[Path], folder: Path) -> float:
        """How strongly ``folder`` looks like this LMS's export: 0 not at all."""
        return sum(bool(self.pattern.match(c.name)) for c in children)

    def students(self, children: list[Path], folder: Path) -> tuple[list[Student], list[Path]]:
        """The students the entries following ``pattern`` make (several entries of one
        identity are one student), and the entries that do not follow it."""
        groups, uploads, others, folders = {}, {}, [], {}
        for child in children:
            found = self.match(child)
            if not found:
                others.append(child)
                continue
            student = self.identify(child, found)
            if student.key in groups:
                self.again(groups[student.key], student)
            else:
                groups[student.key] = student
            uploads.setdefault(student.key, []).extend(self.uploads(child, found))
            if child.is_dir():
                folders.setdefault(student.key, []).append(child)
        for key, student in groups.items():
            if uploads[key]:
                where = f"{readable(student.name) or student.key}'s uploads"
                student.graded_file, student.path, student.others, refusal = choose(
                    uploads[key], where)
                if refusal and len(folders.get(key, [])) == 1:
                    # no file is the submission: its folder is graded, and refused in a line
                    # that says what it holds
                    student.path, student.graded_file = folders[key][0], ""
                    student.others = sorted(name for name, _ in uploads[key])
                elif refusal:  # loose uploads (Canvas): none is graded, the rule's line says why
                    student.refused, student.graded_file = refusal, ""
                    student.others = sorted(name for name, _ in uploads[key])
            else:
                student.graded_file = ""  # an empty folder: graded as such, and found wanting
        return list(groups.values()), others

    def match(self, child: Path) -> re.Match | None:
        """How ``child``'s name reads as an entry of this LMS (None: it is not one)."""
        return self.pattern.match(child.name)

    def identify(self, child: Path, found: re.Match) -> Student:
        """The student an entry belongs to (its ``key`` is the LMS identity)."""
        raise NotImplementedError

    def again(self, kept: Student, entry: Student) -> None:
        """Another entry of the student ``kept``: what it adds (nothing by default)."""

    def uploads(self, child: Path, found: re.Match) -> list[tuple[str, Path]]:
        """(upload name, path) of each file an entry holds: a folder's files, or the entry."""
        if child.is_dir():
            return [(str(p.relative_to(child)), p) for p in files_in(child)]
        return [(found["file"], child)]

    def import_rows(self, graded: list[tuple[dict, object, Graded | None]], top: float,
                    assignment: str) -> list[list]:
        """The import file's rows, from (roster record, outcome, what was graded or None) of
        the students this LMS identified; ``top`` is the class's maximum score."""
        raise NotImplementedError

    def write_import(self, records: list[dict], outcomes: list, outdir: Path,
                     assignment: str, graded: dict | None = None) -> Path:
        """Write ``import_file`` into ``outdir`` (atomically). Students without a result get
        an empty grade (the import leaves theirs as it is); students the export did not
        identify are left out. ``graded``: key -> ``Graded`` of each graded student."""
        top = max((o.max_score for o in outcomes), default=0)
        found = graded or {}
        graded = [(r, o, found.get(r["key"])) for r, o in zip(records, outcomes)
                  if r.get("lms") == self.name]
        return write_atomically(Path(outdir) / self.import_file,
                                csv_bytes(self.import_rows(graded, top, assignment)))

    def feedback_entries(self, record: dict) -> list[str]:
        """The names in ``feedback_file`` the student's page goes under (none: not sent)."""
        return []

    def write_feedback(self, records: list[dict], graded: dict, outdir: Path) -> Path | None:
        """Write ``feedback_file`` into ``outdir`` (atomically): a zip holding each graded
        student's feedback page (``graded``: key -> ``Graded``) under the names the LMS's bulk
        feedback upload matches to that student. None when this LMS takes no such zip."""
        if not self.feedback_file:
            return None
        entries = [(name, graded[r["key"]].page) for r in records
                   if r.get("lms") == self.name and r["key"] in graded
                   for name in self.feedback_entries(r)]
        return write_atomically(Path(outdir) / self.feedback_file, zip_bytes(entries))


def zip_bytes(entries: list[tuple[str, str]]) -> bytes:
    """A zip of (name, text) entries, UTF-8, in a fixed order and with a fixed date."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def grade_cell(outcome) -> str:
    """A student's grade in an import file: empty (left as it is) when not graded."""
    return f"{outcome.score:g}" if outcome.max_score or outcome.status == "unreadable" else ""
