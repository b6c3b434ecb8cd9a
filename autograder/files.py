"""The files people read (results, gradebooks, reports, pictures): one writer for them all.

``write_atomically`` and ``replacing`` write a file so that a reader, or a batch interrupted
at any moment, sees either the old file or the new one whole, never half of one: the bytes go
to a temporary file beside it, which is renamed into place. ``csv_bytes`` makes a CSV whose
cells a spreadsheet shows as text (``spreadsheet_cell``); ``printable`` makes text safe to
print on a terminal.
"""

import contextlib
import csv
import io
import os
import tempfile
from pathlib import Path

MODE = 0o644  # what people read is readable by all, as a file written the ordinary way is


@contextlib.contextmanager
def replacing(path, mode: int = MODE):
    """A binary handle on a temporary file beside ``path``, renamed to ``path`` when the block
    ends without an exception; on one, the temporary file is removed and ``path`` untouched."""
    path = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomically(path, data: bytes | str, mode: int = MODE) -> Path:
    """Write ``data`` (text is written as UTF-8) to ``path`` atomically; return the path."""
    with replacing(path, mode) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def spreadsheet_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: control and bidirectional-override characters
    escaped as :func:`printable` does (line breaks and tabs kept: the CSV quotes them), and one
    starting like a formula gets a quote first."""
    text = value if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)
    text = _escaped(text, keep="\n\t\r")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_bytes(rows) -> bytes:
    """``rows`` (lists of cells) as UTF-8 CSV, every cell made safe by ``spreadsheet_cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


# Characters that reorder or hide text on a terminal or in a spreadsheet: the bidirectional
# marks, embeddings, overrides and isolates, and the line and paragraph separators.
_INVISIBLE = {0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F),
              *range(0x2066, 0x206A)}


def _escaped(text: str, keep: str = "") -> str:
    out = []
    for char in str(text):
        code = ord(char)
        if char not in keep and (code < 32 or 127 <= code < 160 or code in _INVISIBLE):
            out.append(f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def printable(text: str) -> str:
    """``text`` with control and bidirectional-override characters escaped (``\\x1b``,
    ``\\u202e``), for a terminal: no escape sequence or reordering reaches it."""
    return _escaped(text)
