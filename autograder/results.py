"""The results of grading one submission, and the one place they become Gradescope's JSON.

``Results.write(path)`` writes results.json as Gradescope's autograder specification describes
it (https://gradescope-autograders.readthedocs.io/en/latest/specs/): top level ``score``,
``execution_time`` (seconds), ``output``, ``output_format``, ``test_output_format``,
``test_name_format``, ``visibility``, ``stdout_visibility``, ``extra_data`` and ``tests``; each
test ``name``, ``score``, ``max_score``, ``output`` and ``visibility``. Every text is plain text
(format "text"), so a message quoting ``<module>`` or ``<b>`` shows as written instead of being
read as HTML. A ``Results`` also reads like that dictionary (``results["score"]``).
"""

import functools
import hashlib
import importlib.metadata
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from . import spec
from .files import write_atomically

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
TEXT = "text"  # Gradescope's output format for plain text, shown as written
# What results.json's extra_data records of what was graded and by which grader: a batch
# trusts a student's results.json only when both are the current ones (``is_current``).
SUBMISSION_SHA256 = "submission_sha256"
GRADER_VERSION = "grader_version"


class Status(StrEnum):
    """How the grading of one submission went (``extra_data.status`` in results.json)."""

    GRADED = "graded"
    UNREADABLE = "unreadable"  # the file could not be staged or loaded: every check scores 0
    TIMED_OUT = "timed out"  # some calls, or the whole submission, ran out of time
    GRADER_ERROR = "grader error"  # the grader itself failed: score 0, details for instructors


@dataclass
class CheckResult:
    """One check's outcome."""

    name: str  # starts with "<function>: "
    function: str  # one of spec.NAMES
    max_score: float
    score: float = 0.0
    output: str = ""
    visibility: str = "visible"
    public: bool = False  # from the public tests students have

    def gradescope(self) -> dict:
        return {"name": self.name, "score": round(self.score, 4),
                "max_score": float(self.max_score), "output": self.output,
                "visibility": self.visibility}


@dataclass
class Results(Mapping):
    """Everything results.json says about one graded submission."""

    tests: list[CheckResult]
    status: Status = Status.GRADED
    output: str = ""
    isolation: str = ""
    execution_time: float | None = None  # seconds of grading
    submitter: dict | None = None  # from Gradescope's submission_metadata.json, when present
    extra: dict = field(default_factory=dict)  # further extra_data (kept by name)

    def __post_init__(self):
        order = {name: number for number, name in enumerate(spec.NAMES)}
        # Grouped by function in the spec's order, public checks first within each (a stable
        # sort keeps the run order otherwise): the order Gradescope and the feedback page use.
        self.tests = sorted(self.tests, key=lambda t: (order.get(t.function, len(order)),
                                                       not t.public))
        self.status = Status(self.status)

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 4)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    def per_function(self) -> dict:
        """{function: {"score", "max_score"}} for every graded function, in the spec's order."""
        totals = {name: {"score": 0.0, "max_score": 0.0} for name in spec.NAMES}
        for test in self.tests:
            if test.function in totals:
                totals[test.function]["score"] += test.score
                totals[test.function]["max_score"] += test.max_score
        return {name: {k: round(v, 4) for k, v in s.items()} for name, s in totals.items()}

    def gradescope(self) -> dict:
        """The results as Gradescope's results.json dictionary."""
        extra = {"status": str(self.status), "isolation": self.isolation,
                 "functions": self.per_function(), **self.extra}
        if self.submitter is not None:
            extra["submitter"] = self.submitter
        document = {
            "score": self.score,
            "output": self.output,
            "output_format": TEXT,
            "test_output_format": TEXT,
            "test_name_format": TEXT,
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "extra_data": extra,
            "tests": [t.gradescope() for t in self.tests],
        }
        if self.execution_time is not None:
            document["execution_time"] = max(0, round(self.execution_time))
        return document

    def write(self, out) -> Path:
        """Write results.json atomically (a temporary file renamed into place)."""
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        return write_atomically(out, json.dumps(self.gradescope(), indent=2, allow_nan=False)
                                + "\n")

    # Read like the dictionary it writes, for the code that takes results.json's shape.
    def __getitem__(self, key):
        return self.gradescope()[key]

    def __iter__(self):
        return iter(self.gradescope())

    def __len__(self):
        return len(self.gradescope())


GRADER_FAILED = ("The grader failed while grading this submission: this is not a fault in your "
                 "code, and your instructor has the details. Your score is 0 until it is "
                 "graded again.")


def grader_error(tests: list[CheckResult] = (), note: str = "") -> Results:
    """The results written when the grader itself failed: every check 0, and why."""
    tests = [CheckResult(t.name, t.function, t.max_score, 0.0, "Not graded: the grader failed.",
                        t.visibility, t.public) for t in tests]
    return Results(tests, Status.GRADER_ERROR, "\n".join(filter(None, [GRADER_FAILED, note])))


def metadata_path() -> Path:
    """Gradescope's submission_metadata.json, under AUTOGRADER_ROOT (default /autograder)."""
    return Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")) / "submission_metadata.json"


def read_submitter(path: Path | None = None) -> dict | None:
    """Who submitted, and whether late, from Gradescope's submission metadata; None without it.

    Gradescope's file has ``users`` (each ``id``, ``name``, ``email``), ``created_at`` and
    ``assignment.due_date`` / ``late_due_date`` as ISO 8601 times. A file that is there but
    cannot be read is recorded as such, never a reason to fail the grading.
    """
    path = metadata_path() if path is None else Path(path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        users = [{"id": user.get("id"), "name": user.get("name"), "email": user.get("email")}
                 for user in data.get("users") or []]
        submitted = data.get("created_at")
        due = (data.get("assignment") or {}).get("due_date")
        late = seconds_late = None
        if submitted and due:
            delay = (datetime.fromisoformat(submitted)
                     - datetime.fromisoformat(due)).total_seconds()
            late, seconds_late = delay > 0, max(0, round(delay))
        return {"users": users, "submitted_at": submitted, "due_date": due, "late": late,
                "seconds_late": seconds_late}
    except (OSError, ValueError, TypeError, AttributeError) as error:
        return {"unreadable": f"{path.name}: {type(error).__name__}: {error}"}


def fingerprint(path) -> str:
    """The sha256 of what is graded: a file's bytes, or a folder's files (their paths, relative
    to it, and bytes; links and litter-free walk in name order)."""
    path = Path(path)
    if not path.is_dir():
        if not path.is_file():  # a FIFO or a device is never opened (it could block)
            raise OSError(f"{path.name} is not a regular file")
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    digest = hashlib.sha256(b"folder\0")
    for inner in sorted(path.rglob("*")):
        if inner.is_file() and not inner.is_symlink():
            relative = os.fsencode(inner.relative_to(path))
            digest.update(len(relative).to_bytes(8, "big") + relative)
            digest.update(bytes.fromhex(fingerprint(inner)))
    return digest.hexdigest()


@functools.cache
def grader_version() -> str:
    """This grader's version: the package's, and a hash of the code and data that decide a
    score (the checks, the spec, the hidden images), so a changed grader regrades."""
    try:
        version = importlib.metadata.version("kmeans-assignment")
    except importlib.metadata.PackageNotFoundError:
        version = "0"
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted([here / "spec.py", *(here / "suites").glob("*.py"),
                        *(here / "hidden_data").glob("*.png")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{version}+{digest.hexdigest()[:12]}"


def provenance(path) -> dict:
    """The extra_data fields that say what was graded (its sha256; None when it cannot be
    read) and by which grader."""
    try:
        sha256 = fingerprint(path)
    except (OSError, RecursionError):  # unreadable, or a folder nested past Python's recursion
        sha256 = None
    return {SUBMISSION_SHA256: sha256, GRADER_VERSION: grader_version()}


def is_grader_results(document) -> bool:
    """Whether ``document`` (results.json, parsed) has every field this grader writes and a
    batch reads: Gradescope's, and the grader's in extra_data (status, functions, the graded
    file's sha256, the grader's version)."""
    if not isinstance(document, dict):
        return False
    extra, tests = document.get("extra_data"), document.get("tests")
    return (isinstance(extra, dict) and isinstance(tests, list)
            and isinstance(document.get("score"), (int, float))
            and isinstance(extra.get("status"), str)
            and isinstance(extra.get("functions"), dict)
            and all(isinstance(f, dict) and isinstance(f.get("score"), (int, float))
                    for f in extra["functions"].values())
            and SUBMISSION_SHA256 in extra
            and isinstance(extra[SUBMISSION_SHA256], (str, type(None)))
            and isinstance(extra.get(GRADER_VERSION), str)
            and all(isinstance(t, dict) and isinstance(t.get("name"), str)
                    and isinstance(t.get("score"), (int, float))
                    and isinstance(t.get("max_score"), (int, float)) for t in tests))


def is_current(document, submission_sha256: str | None) -> bool:
    """Whether ``document`` is what this grader wrote for the submission whose fingerprint is
    ``submission_sha256`` (None: what could not be read, a FIFO say, graded as such)."""
    return (is_grader_results(document)
            and document["extra_data"][SUBMISSION_SHA256] == submission_sha256
            and document["extra_data"][GRADER_VERSION] == grader_version())
