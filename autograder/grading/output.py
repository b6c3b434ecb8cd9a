"""What grading writes besides results.json: the feedback page's files, and terminal text.

The capstone's arrays and a notebook's module part are saved atomically for the feedback page
and the similarity report; the terminal gets a per-function table, and a grader's fault its
traceback. :func:`printed_excerpt` is the part of the student's output that says what their
functions printed.
"""

import sys
import traceback
from pathlib import Path

from ..files import replacing, write_atomically
from ..results import Results


def printed_excerpt(printed: dict, keep: int = 1500) -> str:
    """A short excerpt of what each function printed (its first call that printed)."""
    lines = []
    for name, text in printed.items():
        if len(text) > keep:
            text = f"{text[:keep // 2]}\n[... output truncated ...]\n{text[-keep // 2:]}"
        lines.append(f"{name} printed (its first call that printed):\n{text.rstrip()}")
    return ("\n\nWhat your functions printed in the public checks (what they print in the "
            "hidden ones is not shown), which does not affect your score:\n" + "\n".join(lines)
            if lines else "")


def save_artifacts(arrays: dict, folder) -> Path:
    """Save validated arrays as a plain .npz (atomically); return its path."""
    import numpy as np

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with replacing(folder / "capstone.npz") as handle:
        np.savez_compressed(handle, **arrays)
    return folder / "capstone.npz"


def save_text(text: str, path: Path) -> Path:
    """Write ``text`` atomically."""
    return write_atomically(path, text)


def summary_table(results: Results) -> str:
    """A per-function table for the terminal."""
    rows = [f"{'function':<26}{'score':>8}{'max':>8}"]
    for function, s in results["extra_data"]["functions"].items():
        rows.append(f"{function:<26}{s['score']:>8g}{s['max_score']:>8g}")
    total = sum(t["max_score"] for t in results["tests"])
    rows.append(f"{'total':<26}{results['score']:>8g}{total:>8g}")
    return "\n".join(rows)


def fault_details(error: BaseException) -> str:
    """A grader's fault as its traceback, for the instructor (never for a student)."""
    return "".join(traceback.format_exception(error)).rstrip("\n")


def print_fault(error: BaseException) -> None:
    print(fault_details(error), file=sys.stderr)
