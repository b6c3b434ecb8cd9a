"""Moodle: "Download all submissions", the assignment's offline grading worksheet, and its
"Upload multiple feedback files in a zip"."""

import html
import re
from datetime import datetime

from .base import Lms, Student, grade_cell, people

# The worksheet's "Last modified (grade)" as Moodle writes it (``userdate``, English
# "strftimedaydatetime", day and hour without a leading zero): "Thursday, 3 December 2026,
# 2:10 PM". Its importer reads the column with PHP's strtotime, which takes English names only,
# so they are spelled here, whatever the machine's locale.
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
MAX_FAILED = 10  # failed checks listed in the feedback comment, at most
MAX_LINE = 200  # characters of a check's message kept in the comment
# The feedback file's name in the zip; the folder before it names the participant.
FEEDBACK_PAGE = "feedback.html"


def moodle_date(when: datetime) -> str:
    """``when`` (local time) as the worksheet's "Last modified (grade)" column writes it."""
    hour = when.hour % 12 or 12
    return (f"{DAYS[when.weekday()]}, {when.day} {MONTHS[when.month - 1]} {when.year}, "
            f"{hour}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}")


def comment(outcome, top: float, results: dict | None) -> str:
    """The worksheet's "Feedback comments" (Moodle keeps it as HTML): the score, then each
    failed check the student may see (its name and its message's first line, escaped; checks
    that failed with the same message, as all do when the file cannot be loaded, are one line
    with their count), at most MAX_FAILED lines, each cut at MAX_LINE characters."""
    text = f"<p>Autograder: {outcome.score:g} / {top:g} ({html.escape(outcome.status)})</p>"
    failed = [t for t in (results or {}).get("tests", [])
              if t.get("visibility") != "hidden" and t["score"] < t["max_score"]]
    if not failed:
        return text
    by_message = {}  # first line of the message -> names of the checks, in results' order
    for test in failed:
        message = (test.get("output") or "").strip().partition("\n")[0]
        by_message.setdefault(message, []).append(test["name"])
    items = []
    for message, names in list(by_message.items())[:MAX_FAILED]:
        others = f" (and {len(names) - 1} more checks with this message)" if len(names) > 1 else ""
        line = f"{names[0]}: {message}"
        if len(line) + len(others) > MAX_LINE:
            line = line[:MAX_LINE - len(others) - 3] + "..."
        items.append(f"<li>{html.escape(line + others)}</li>")
    more = sum(len(names) for names in list(by_message.values())[MAX_FAILED:])
    return (text + f"<p>Failed checks ({len(failed)}):</p><ul>" + "".join(items) + "</ul>"
            + (f"<p>... and {more} more: see the feedback file.</p>" if more else ""))


class Moodle(Lms):
    """Files named ``Full Name_12345_assignsubmission_file_X`` or, with "Download submissions
    in folders", folders named ``Full Name_12345_assignsubmission_file_`` holding the files. The
    identity is the participant id (``Participant 12345`` in the grading worksheet). The export
    does not say who was late.

    The import is the offline grading worksheet (Identifier "Participant N", Full name, Grade,
    Maximum Grade, Last modified (grade), Feedback comments), as "Upload grading worksheet"
    takes it: its importer skips a row whose "Last modified (grade)" is more than a minute
    older than the grade Moodle holds (unless told to ignore the dates), so the column is the
    time the student was graded (their results.json's), not blank (which reads as 1970).

    The feedback files are a zip with one folder per participant,
    ``Full Name_12345_assignfeedback_file_/feedback.html``, as "Upload multiple feedback files
    in a zip" matches them: it splits a folder's name at ``_`` and reads the participant id
    second, so the name is written without ``_``."""

    name = "moodle"
    # The id is in the last such group: Moodle writes the full name (which a participant may
    # set to anything, even ``Victim_222_assignsubmission_file_x``) before it.
    pattern = re.compile(
        r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$", re.DOTALL)
    group = re.compile(r"_(\d+)_assignsubmission_([a-z]+)_", re.DOTALL)
    import_file = "moodle-grading-worksheet.csv"
    feedback_file = "moodle-feedback-files.zip"

    def students(self, children, folder):
        """An entry whose name holds the id group more than once (a full name or an upload
        named like one) is read at its last group, unless that gives an id another entry,
        read without doubt, has under another name: then at the latest earlier group that
        does not; at none, it is a plain entry. So no entry takes another participant's id."""
        sure, doubtful = {}, []
        for child in children:
            if found := self.pattern.match(child.name):
                if len(self.group.findall(child.name)) == 1:
                    sure.setdefault(found["id"], found["name"].strip())
                else:
                    doubtful.append(child)
        self.readings = {}
        for child in doubtful:
            splits = [m for m in self.group.finditer(child.name) if m.start() > 0]
            for split in reversed(splits):
                name, id_ = child.name[:split.start()].strip(), split.group(1)
                if sure.get(id_, name) == name:
                    self.readings[child.name] = re.match(
                        "(?P<name>" + re.escape(child.name[:split.start()]) + ")"
                        + self.pattern.pattern.partition("(?P<name>.+)")[2], child.name,
                        re.DOTALL)
                    break
            else:
                self.readings[child.name] = None
        return super().students(children, folder)

    def match(self, child):
        if child.name in self.readings:
            return self.readings[child.name]
        return self.pattern.match(child.name)

    def identify(self, child, found):
        return Student(found["id"], child, self.name, found["id"], found["name"].strip())

    def uploads(self, child, found):
        if not child.is_dir() and found["plugin"] != "file":
            return [(found["file"] or child.name, child)]  # online text: listed, not graded
        return super().uploads(child, found)

    def import_rows(self, graded, top, assignment):
        rows = [["Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)",
                 "Feedback comments"]]
        for r, o, work in graded:
            modified = moodle_date(work.graded_at) if work else ""
            for lms_id, name in people(r):
                rows.append([f"Participant {lms_id}", name, grade_cell(o), f"{top:g}", modified,
                             comment(o, top, work.results if work else None)])
        return rows

    def feedback_entries(self, record):
        return [f"{folder_name(name)}_{lms_id}_assignfeedback_file_/{FEEDBACK_PAGE}"
                for lms_id, name in people(record)]


def folder_name(name: str) -> str:
    """A full name as the first part of a feedback folder's name: no ``_`` (the importer splits
    there), no ``/`` or ``\\``, no control characters, never empty."""
    cleaned = re.sub(r"[_/\\\x00-\x1f\x7f]+", " ", name).strip(" .~") or "participant"
    return cleaned[:100]
