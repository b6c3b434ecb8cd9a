"""What a batch grades: the class in a folder or a class zip (extracted safely), and the part of
it one shard grades."""

import hashlib
import os
import shutil
import stat
import zipfile
from pathlib import Path

from .. import lms
from ..submission import SPECIAL
from ..files import printable
from .errors import BatchError

MAX_CLASS_ZIP_BYTES = 2 << 30  # extracted size of a class zip
MAX_MEMBER_BYTES = 200 << 20
SHARD_ENVIRONMENT = ("JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID")


def find_students(submissions: Path, workdir: Path, outdir: Path | None = None):
    """(layout, students): the class in ``submissions``, a folder or a zip of one (extracted
    into ``workdir``). ``outdir``, the batch's own output, is not a student even when it is
    kept among the submissions."""
    submissions = Path(submissions)
    try:
        kind = stat.S_IFMT(submissions.stat().st_mode)
    except OSError:
        kind = None  # missing: read_class says so
    if kind in SPECIAL:  # never opened: a FIFO opened for reading waits for a writer forever
        raise BatchError(f"{printable(str(submissions))} is {SPECIAL[kind]}, not a folder or a "
                         f"zip of submissions")
    if submissions.is_file():
        if not zipfile.is_zipfile(submissions):
            raise BatchError(f"{submissions} is neither a folder nor a zip of submissions")
        folder = workdir / "extracted"
        safe_extract(submissions, folder)
        submissions = folder
        # An LMS zip often wraps everything in one folder: look inside it.
        children = [c for c in folder.iterdir() if not lms.is_litter(c)]
        if len(children) == 1 and children[0].is_dir():
            submissions = children[0]
    try:
        layout, students = lms.read_class(submissions, exclude=outdir)
    except lms.LmsError as error:
        raise BatchError(str(error)) from None
    if not students:
        raise BatchError(f"there are no submissions in {submissions}")
    return layout, students


def safe_extract(archive: Path, folder: Path) -> None:
    """Extract a class zip: nothing outside ``folder``, no links, sizes capped."""
    folder.mkdir(parents=True)
    root = folder.resolve()
    total = 0
    try:
        with open_zip(archive) as z:
            for info in z.infolist():
                parts = [p for p in Path(member_name(info).replace("\\", "/")).parts
                         if p not in ("", ".")]
                if (not parts or info.filename.startswith("/") or ".." in parts
                        or stat.S_ISLNK(info.external_attr >> 16)):
                    continue  # unsafe or a link: never written
                target = root.joinpath(*parts)
                if not target.resolve().is_relative_to(root):
                    continue
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                total += info.file_size
                if info.file_size > MAX_MEMBER_BYTES or total > MAX_CLASS_ZIP_BYTES:
                    raise BatchError(f"{archive.name} holds more data than a class of "
                                     f"submissions should ({printable(info.filename)})")
                target.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError) as error:
        raise BatchError(f"{archive.name} cannot be read as a zip: {error}") from None


UTF8_NAME = 0x800  # a zip member's flag: its name is UTF-8


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as the file system takes it: its bytes, when they are not UTF-8, kept
    as they are (``os.fsdecode``'s surrogates), so the student's key escapes them reversibly."""
    if info.flag_bits & UTF8_NAME:
        return info.filename
    raw = info.orig_filename.encode("cp437")  # zipfile read the bytes as cp437
    return raw.decode("utf-8", "surrogateescape")


def open_zip(archive: Path) -> zipfile.ZipFile:
    """The zip; one whose members' names say UTF-8 but are not (zipfile cannot read those)
    is read from a copy with that flag cleared, so their bytes are kept as they are."""
    try:
        return zipfile.ZipFile(archive)
    except UnicodeDecodeError:
        pass
    data = bytearray(Path(archive).read_bytes())
    for signature, header, flags, name_length in ((b"PK\x01\x02", 46, 8, 28),
                                                    (b"PK\x03\x04", 30, 6, 26)):
        at = data.find(signature)
        while at != -1:
            if at + header <= len(data):
                length = int.from_bytes(data[at + name_length:at + name_length + 2], "little")
                name = bytes(data[at + header:at + header + length])
                try:
                    name.decode("utf-8")
                except UnicodeDecodeError:
                    data[at + flags] &= ~UTF8_NAME & 0xFF
            at = data.find(signature, at + 4)
    import io

    return zipfile.ZipFile(io.BytesIO(bytes(data)))


def shard_of(key: str, count: int) -> int:
    """The shard (0 .. count-1) a student belongs to: a stable hash of the key alone, so a
    student stays in the same shard when the class grows."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") % count


def parse_shard(text: str, environ=os.environ) -> tuple[int, int]:
    """``I/N`` or ``N`` (I then from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID) -> (I, N).

    Indices run from 0 to N-1: a SLURM array is submitted with ``--array=0-(N-1)``, so that a
    task resubmitted alone (``--array=2``) still knows its shard."""
    index, _, count = text.rpartition("/")
    if not count.isdigit() or int(count) < 1 or (index and not index.isdigit()):
        raise BatchError(f"--shard must be I/N (e.g. 0/4) or N, got {text!r}")
    count = int(count)
    if not index:
        for name in SHARD_ENVIRONMENT:
            if environ.get(name, "").strip():
                index = environ[name].strip()
                if not index.isdigit():
                    raise BatchError(f"{name}={index!r} is not a shard index")
                break
        else:
            raise BatchError(f"--shard {count} needs the shard index: give --shard I/{count}, or "
                             f"set JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID")
    if not 0 <= int(index) < count:
        raise BatchError(f"shard index {index} is not between 0 and {count - 1}")
    return int(index), count


def of_shard(students: list, shard: tuple[int, int] | None) -> list:
    """The students shard (I, N) grades: all of them when ``shard`` is None."""
    if shard is None:
        return students
    return [s for s in students if shard_of(s.key, shard[1]) == shard[0]]
