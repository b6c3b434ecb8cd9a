"""Find a submission's kmeans.py (a file, a folder or a zip) and stage a private copy of it.

Nothing is ever extracted from a zip to disk and no symbolic link is followed, so a submission
cannot write outside the staging folder or point the grader at files that are not its own.
"""

import os
import stat
import zipfile
from pathlib import Path

FILENAME = "kmeans.py"
MAX_SOURCE_BYTES = 1 << 20  # a kmeans.py larger than 1 MiB is not a kmeans.py
MAX_ZIP_ENTRIES = 10_000
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__", ".git"}


class SubmissionError(Exception):
    """The submission cannot be graded; the message says why, for the student."""


def stage(path, into) -> Path:
    """Copy the submission's kmeans.py alone into the new folder ``into``; return ``into``."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise SubmissionError(f"{path} does not exist.")
    if path.is_dir():
        source = _bytes_from_folder(path)
    elif zipfile.is_zipfile(path):
        source = _bytes_from_zip(path)
    elif path.is_file():
        if path.suffix != ".py":
            raise SubmissionError(f"{path.name} is not a Python file, a folder or a zip: submit "
                                  f"{FILENAME}.")
        source = _read_capped(path)
    else:
        raise SubmissionError(f"{path.name} is not a regular file, a folder or a zip.")
    _check_text(source)
    into = Path(into)
    into.mkdir(mode=0o755)
    target = into / FILENAME
    target.write_bytes(source)
    os.chmod(into, 0o755)
    os.chmod(target, 0o644)
    return into


def _read_capped(path: Path) -> bytes:
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise SubmissionError(f"{path.name} is {path.stat().st_size} bytes, more than the "
                              f"{MAX_SOURCE_BYTES} allowed for {FILENAME}.")
    return path.read_bytes()


def _bytes_from_folder(folder: Path) -> bytes:
    found = []
    for parent, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_PARTS)
        if FILENAME in files:
            found.append(Path(parent) / FILENAME)
    return _read_capped(_choose(found, folder.name, lambda p: p.relative_to(folder),
                                lambda p: p.is_symlink()))


def _bytes_from_zip(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise SubmissionError(f"{path.name} holds {len(entries)} files, more than the "
                                      f"{MAX_ZIP_ENTRIES} allowed.")
            found = [e for e in entries if not e.is_dir()
                     and Path(e.filename).name == FILENAME
                     and not IGNORED_PARTS.intersection(Path(e.filename).parts)]
            entry = _choose(found, path.name, lambda e: Path(e.filename),
                            lambda e: stat.S_ISLNK(e.external_attr >> 16))
            if entry.file_size > MAX_SOURCE_BYTES:
                raise SubmissionError(f"{FILENAME} in {path.name} is {entry.file_size} bytes, "
                                      f"more than the {MAX_SOURCE_BYTES} allowed.")
            with archive.open(entry) as handle:
                data = handle.read(MAX_SOURCE_BYTES + 1)
            if len(data) > MAX_SOURCE_BYTES:
                raise SubmissionError(f"{FILENAME} in {path.name} is larger than it claims.")
            return data
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            OSError, EOFError) as error:
        raise SubmissionError(f"{path.name} is a zip that cannot be read ({error}).") from None


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
