"""Find a submission's kmeans.py (a file, a folder or a zip) and stage a private copy of it.

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
from pathlib import Path

FILENAME = "kmeans.py"
MAX_SOURCE_BYTES = 1 << 20  # a kmeans.py larger than 1 MiB is not a kmeans.py
MAX_NOTEBOOK_BYTES = 20 << 20  # outputs make notebooks large, but not this large
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_BYTES = 32 << 20  # a notebook with its outputs fits many times over
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__", ".git"}


class SubmissionError(Exception):
    """The submission cannot be graded; the message says why, for the student."""


def stage(path, into) -> Path:
    """Copy the submission's kmeans.py alone into the new folder ``into``; return the copy (a
    notebook is copied as ``<its name>.ipynb`` instead)."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise SubmissionError(f"{path} does not exist.")
    _refuse_special(path, path.name)  # before anything opens it: a FIFO would block
    if path.is_dir():
        source = _bytes_from_folder(path)
    elif zipfile.is_zipfile(path):
        source = _bytes_from_zip(path)
    elif path.is_file():
        if path.suffix == ".ipynb":
            source = notebook(_read_capped(path, MAX_NOTEBOOK_BYTES), path.name)
        elif path.suffix != ".py":
            raise SubmissionError(f"{path.name} is not a Python file, a notebook, a folder or a "
                                  f"zip: submit {FILENAME}.")
        else:
            source = _read_capped(path)
    else:
        raise SubmissionError(f"{path.name} is not a regular file, a folder or a zip.")
    if isinstance(source, Notebook):
        name, source = source.name, source.data
    else:
        name = FILENAME
        _check_text(source)
    into = Path(into)
    into.mkdir(mode=0o755)
    target = into / name
    target.write_bytes(source)
    os.chmod(into, 0o755)
    os.chmod(target, 0o644)
    return target


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


def _bytes_from_folder(folder: Path) -> bytes:
    found, notebooks, zips, others = [], [], [], []
    for parent, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_PARTS)
        if FILENAME in files:
            found.append(Path(parent) / FILENAME)
        notebooks += [Path(parent) / f for f in sorted(files) if f.endswith(".ipynb")]
        zips += [Path(parent) / f for f in sorted(files) if f.lower().endswith(".zip")]
        others += [Path(parent) / f for f in sorted(files)]
    relative, is_link = (lambda p: p.relative_to(folder)), (lambda p: p.is_symlink())
    if not found and notebooks:
        chosen = _choose_notebook(notebooks, folder.name, relative, is_link)
        return notebook(_read_capped(chosen, MAX_NOTEBOOK_BYTES), chosen.name)
    if not found and len(zips) == 1 and not is_link(zips[0]):
        return _bytes_from_zip(zips[0])  # a folder holding the uploaded zip, as Moodle exports
    if not found and others:
        names = ", ".join(str(relative(f)) for f in others[:5]) + (", ..." if others[5:] else "")
        raise SubmissionError(f"there is no {FILENAME} in {folder.name} (it holds {names}): "
                              f"submit a file named {FILENAME}.")
    return _read_capped(_choose(found, folder.name, relative, is_link))


def _bytes_from_zip(path: Path) -> bytes:
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
                      and not IGNORED_PARTS.intersection(Path(e.filename).parts)]
            found = [e for e in usable if Path(e.filename).name == FILENAME]
            notebooks = [e for e in usable if e.filename.endswith(".ipynb")]
            relative = lambda e: Path(e.filename)  # noqa: E731
            is_link = lambda e: stat.S_ISLNK(e.external_attr >> 16)  # noqa: E731
            if not found and notebooks:
                entry = _choose_notebook(notebooks, path.name, relative, is_link)
                data = _read_member(archive, entry, path.name, MAX_NOTEBOOK_BYTES)
                return notebook(data, Path(entry.filename).name)
            if not found and usable:  # say what it holds, as for a folder
                names = ", ".join(e.filename for e in usable[:5]) + (", ..." if usable[5:] else "")
                raise SubmissionError(f"there is no {FILENAME} in {path.name} (it holds {names}): "
                                      f"submit a file named {FILENAME}.")
            entry = _choose(found, path.name, relative, is_link)
            return _read_member(archive, entry, path.name, MAX_SOURCE_BYTES)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as error:
        # ValueError covers a name flagged UTF-8 that is not (UnicodeDecodeError)
        raise SubmissionError(f"{path.name} is a zip that cannot be read ({error}).") from None


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


def _check_text(source: bytes) -> None:
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as error:
        line = source[:error.start].count(b"\n") + 1
        raise SubmissionError(f"{FILENAME} is not UTF-8 text (byte 0x{source[error.start]:02x} "
                              f"on line {line}): save it with UTF-8 encoding.") from None
    if b"\x00" in source:
        raise SubmissionError(f"{FILENAME} contains NUL bytes: it is not a text file.")
