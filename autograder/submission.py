"""Find what a submission is (a file, a folder or a zip) and stage a private copy of it.

:func:`pick` is the one rule for which file is graded, in every layout (a folder, a zip,
Gradescope's /autograder/submission, an LMS's uploads): kmeans.py, else kmeans.ipynb, else the
only ``.py`` file, else the only notebook, else (in a folder) the only zip, read by the same
rule; otherwise a one-line refusal that lists what was found. The other files are listed in
the student's feedback as handed in and not graded.

A notebook (``.ipynb``: alone, or in a folder or zip without a kmeans.py) is accepted too, and
staged as it is: it is turned into a module inside the sandbox (``sandbox/notebook.py``), never
parsed here.

Nothing is ever extracted from a zip to disk and no symbolic link is followed, so a submission
cannot write outside the staging folder or point the grader at files that are not its own.
"""

import lzma
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

FILENAME = "kmeans.py"
MAX_SOURCE_BYTES = 1 << 20  # a kmeans.py larger than 1 MiB is not a kmeans.py
MAX_NOTEBOOK_BYTES = 20 << 20  # outputs make notebooks large, but not this large
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_BYTES = 32 << 20  # a notebook with its outputs fits many times over
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__", ".git"}


class SubmissionError(Exception):
    """The submission cannot be graded; the message says why, for the student."""


@dataclass
class Source:
    """What was found to grade: its bytes, the file's name as the student handed it in (inside
    a zip: ``work.zip: kmeans.py``), and the student's other files, not graded."""

    data: bytes
    graded: str
    others: list[str] = field(default_factory=list)
    notebook: bool = False


@dataclass
class Staged:
    """A staged submission: the private copy to grade, which file it is and what else the
    student handed in."""

    path: Path
    graded: str
    others: list[str] = field(default_factory=list)

    def note(self, most: int = 10) -> str:
        """One line for the student's feedback: the graded file and the others."""
        readable = lambda name: name.encode("utf-8", "surrogateescape").decode(  # noqa: E731
            "utf-8", "replace")  # a file system's name that is not UTF-8: U+FFFD for its bytes
        line = f"Graded {readable(self.graded)}"
        if self.others:
            names = ", ".join(map(readable, self.others[:most])) + (
                ", ..." if self.others[most:] else "")
            line += f"; also handed in: {names} (not graded)"
        return line + "."


def stage(path, into) -> Path:
    """Copy the submission's kmeans.py alone into the new folder ``into``; return the copy (a
    notebook is copied as ``<its name>.ipynb`` instead)."""
    return stage_submission(path, into).path


def stage_submission(path, into) -> Staged:
    """:func:`stage`, saying which file was graded (chosen by :func:`pick`) and what else the
    submission holds."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise SubmissionError(f"{path} does not exist.")
    _refuse_special(path, path.name)  # before anything opens it: a FIFO would block
    if path.is_dir():
        source = _bytes_from_folder(path)
    elif zipfile.is_zipfile(path):
        source = _bytes_from_zip(path)
        source.graded = f"{path.name}: {source.graded}"
    elif path.is_file():
        if path.suffix == ".ipynb":
            source = Source(notebook(_read_capped(path, MAX_NOTEBOOK_BYTES), path.name),
                            path.name, notebook=True)
        elif path.suffix != ".py":
            raise SubmissionError(f"{path.name} is not a Python file, a notebook, a folder or a "
                                  f"zip: submit {FILENAME}.")
        else:
            source = Source(_read_capped(path), path.name)
    else:
        raise SubmissionError(f"{path.name} is not a regular file, a folder or a zip.")
    if source.notebook:
        name, data = source.data.name, source.data.data
    else:
        name, data = FILENAME, source.data
        _check_text(data, source.graded)
    into = Path(into)
    into.mkdir(mode=0o755)
    target = into / name
    target.write_bytes(data)
    os.chmod(into, 0o755)
    os.chmod(target, 0o644)
    return Staged(target, source.graded, sorted(source.others))


SPECIAL = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFSOCK: "a socket",
           stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device"}


def _refuse_special(path: Path, name: str) -> None:
    """SubmissionError if ``path`` (its link followed) is a FIFO, a socket or a device: found by
    its status alone, never opened (a FIFO opened for reading waits for a writer forever)."""
    try:
        kind = stat.S_IFMT(path.stat().st_mode)
    except OSError:
        return  # a dangling link or a vanished file: what reads it says so
    if kind in SPECIAL:
        raise SubmissionError(f"{name} is {SPECIAL[kind]}, not a regular file: submit "
                              f"{FILENAME} as a file.")


def _open_regular(path: Path, name: str) -> int:
    """A descriptor on ``path`` that is sure to be a regular file: opened without blocking,
    then checked (a FIFO swapped in after the check above is refused, not waited on)."""
    _refuse_special(path, name)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    kind = stat.S_IFMT(os.fstat(fd).st_mode)
    if kind != stat.S_IFREG:
        os.close(fd)
        raise SubmissionError(f"{name} is {SPECIAL.get(kind, 'not a regular file')}, not a "
                              f"regular file: submit {FILENAME} as a file.")
    os.set_blocking(fd, True)
    return fd


def _read_capped(path: Path, limit: int = MAX_SOURCE_BYTES) -> bytes:
    with os.fdopen(_open_regular(path, path.name), "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise SubmissionError(f"{path.name} is {size} bytes, more than the {limit} "
                                  f"allowed.")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise SubmissionError(f"{path.name} is larger than {limit} bytes.")
    return data


def _bytes_from_folder(folder: Path) -> "Source":
    files = []
    for parent, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_PARTS)
        files += [Path(parent) / f for f in sorted(names) if not is_litter(f)]
    relative, is_link = (lambda p: p.relative_to(folder)), (lambda p: p.is_symlink())
    chosen, kind = pick(files, folder.name, relative, is_link, zips=True)
    others = [str(relative(f)) for f in files if f != chosen]
    if kind == "zip":  # a folder holding the uploaded zip, as Moodle exports
        inner = _bytes_from_zip(chosen)
        return Source(inner.data, f"{relative(chosen)}: {inner.graded}", others + inner.others,
                      inner.notebook)
    if kind == "notebook":
        data = _read_capped(chosen, MAX_NOTEBOOK_BYTES)
        return Source(notebook(data, chosen.name), str(relative(chosen)), others, True)
    return Source(_read_capped(chosen), str(relative(chosen)), others)


def _bytes_from_zip(path: Path) -> "Source":
    os.close(_open_regular(path, path.name))
    size = path.stat().st_size
    if size > MAX_ZIP_BYTES:  # checked before its directory of entries is read
        raise SubmissionError(f"{path.name} is {size} bytes, more than the {MAX_ZIP_BYTES} "
                              f"allowed for a submission's zip.")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise SubmissionError(f"{path.name} holds {len(entries)} files, more than the "
                                      f"{MAX_ZIP_ENTRIES} allowed.")
            usable = [e for e in entries if not e.is_dir()
                      and not IGNORED_PARTS.intersection(Path(zip_name(e)).parts)
                      and not is_litter(Path(zip_name(e)).name)]
            relative = lambda e: Path(zip_name(e))  # noqa: E731
            is_link = lambda e: stat.S_ISLNK(e.external_attr >> 16)  # noqa: E731
            entry, kind = pick(usable, path.name, relative, is_link)
            others = [zip_name(e) for e in usable if e is not entry]
            if kind == "notebook":
                data = _read_member(archive, entry, path.name, MAX_NOTEBOOK_BYTES)
                return Source(notebook(data, relative(entry).name), zip_name(entry), others, True)
            data = _read_member(archive, entry, path.name, MAX_SOURCE_BYTES)
            return Source(data, zip_name(entry), others)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as error:
        # ValueError covers a name flagged UTF-8 that is not (UnicodeDecodeError)
        raise SubmissionError(f"{path.name} is a zip that cannot be read ({error}).") from None


UTF8_NAME = 0x800  # a zip member's flag: its name is UTF-8


def zip_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as its author wrote it: UTF-8 when the zip says so or when its bytes
    are valid UTF-8 (Info-ZIP and macOS write UTF-8 without the flag), else cp437, the zip
    format's own encoding (which zipfile reads unflagged names as)."""
    if info.flag_bits & UTF8_NAME:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def is_litter(name: str) -> bool:
    """A file no student hands in on purpose: macOS's ``._x`` and ``.DS_Store``, hidden files,
    Windows's Thumbs.db and desktop.ini."""
    return name.startswith(".") or name in ("Thumbs.db", "desktop.ini")


def pick(files: list, where: str, relative, is_link, zips: bool = False):
    """THE rule for which file is the submission, in every layout (a folder, a zip, an LMS's
    uploads): (the file, its kind: "py", "notebook" or "zip"); SubmissionError, in one line
    that lists what was found, when no file is the submission.

    In order: a file named kmeans.py (the shallowest, which must be unique); a notebook named
    kmeans.ipynb; the only ``.py`` file; the only notebook; with ``zips``, the only zip (whose
    contents are then read by the same rule). ``files`` are the student's files (litter left
    out); ``relative(f)`` is a file's path as the student named it, ``is_link(f)`` whether it
    is a symbolic link (never graded)."""
    named = lambda suffix: [f for f in files if relative(f).suffix.lower() == suffix]  # noqa: E731
    if found := [f for f in files if relative(f).name == FILENAME]:
        return _choose(found, where, relative, is_link), "py"
    if found := [f for f in files if relative(f).name == "kmeans.ipynb"]:
        return _choose(found, where, relative, is_link), "notebook"
    python = named(".py")
    if len(python) > 1:
        raise SubmissionError(f"{where} holds no {FILENAME} and several .py files "
                              f"({_listed(python, relative)}): name the one to grade "
                              f"{FILENAME}.")
    if python:
        return _choose(python, where, relative, is_link), "py"
    if notebooks := named(".ipynb"):
        return _choose_notebook(notebooks, where, relative, is_link), "notebook"
    archives = named(".zip")
    if zips and len(archives) == 1 and not is_link(archives[0]):
        return archives[0], "zip"
    if files:  # say what it holds
        raise SubmissionError(f"there is no {FILENAME} in {where} (it holds "
                              f"{_listed(files, relative)}): submit a file named {FILENAME}.")
    raise SubmissionError(f"there is no {FILENAME} in {where}: submit a file named {FILENAME}.")


def _listed(files, relative, most: int = 5) -> str:
    names = sorted(str(relative(f)) for f in files)
    return ", ".join(names[:most]) + (", ..." if names[most:] else "")


def _read_member(archive, entry, where: str, limit: int) -> bytes:
    name = Path(entry.filename).name
    if entry.file_size > limit:
        raise SubmissionError(f"{name} in {where} is {entry.file_size} bytes, more than the "
                              f"{limit} allowed.")
    with archive.open(entry) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise SubmissionError(f"{name} in {where} is larger than it claims.")
    return data


def _choose_notebook(notebooks, where, relative, is_link):
    """The notebook to grade: kmeans.ipynb if there is one, else the only notebook."""
    named = [n for n in notebooks if relative(n).name == "kmeans.ipynb"]
    if named:
        return _choose(named, where, relative, is_link)
    if len(notebooks) > 1:
        names = ", ".join(sorted(str(relative(n)) for n in notebooks))
        raise SubmissionError(f"{where} holds no {FILENAME} and several notebooks ({names}): "
                              f"submit kmeans.py, or one notebook named kmeans.ipynb.")
    return _choose(notebooks, where, relative, is_link)


class Notebook(bytes):
    """A notebook's bytes, staged as they are under a safe version of its name."""

    def __new__(cls, data: bytes, name: str):
        made = super().__new__(cls, data)
        made.name = (re.sub(r"[^\w. -]+", "_", name).strip(". ") or "notebook")[:80]
        if not made.name.endswith(".ipynb"):
            made.name += ".ipynb"
        return made

    @property
    def data(self) -> bytes:
        return bytes(self)


def notebook(data: bytes, name: str) -> Notebook:
    """A notebook to stage, if it is not too large to be one."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"{name} is {len(data)} bytes, more than the {MAX_NOTEBOOK_BYTES} "
                              f"allowed for a notebook: clear its outputs and submit it again.")
    return Notebook(data, name)


def _choose(found, where, relative, is_link):
    """The one kmeans.py to grade: the shallowest, which must be unique and not a link."""
    if not found:
        raise SubmissionError(f"there is no {FILENAME} in {where}: submit a file named "
                              f"{FILENAME}.")
    depth = min(len(relative(f).parts) for f in found)
    shallowest = [f for f in found if len(relative(f).parts) == depth]
    if len(shallowest) > 1:
        names = ", ".join(sorted(str(relative(f)) for f in shallowest))
        raise SubmissionError(f"{where} holds several {FILENAME} files at the same level "
                              f"({names}): submit only one.")
    if is_link(shallowest[0]):
        raise SubmissionError(f"{relative(shallowest[0])} in {where} is a symbolic link: "
                              f"submit the file itself.")
    return shallowest[0]


def _check_text(source: bytes, name: str = FILENAME) -> None:
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as error:
        line = source[:error.start].count(b"\n") + 1
        raise SubmissionError(f"{name} is not UTF-8 text (byte 0x{source[error.start]:02x} "
                              f"on line {line}): save it with UTF-8 encoding.") from None
    if b"\x00" in source:
        raise SubmissionError(f"{name} contains NUL bytes: it is not a text file.")
