"""Canvas: "Download Submissions", the Gradebook's CSV import, and "Re-Upload Submissions"."""

import re

from .base import Lms, Student, grade_cell, people


class Canvas(Lms):
    """Files named ``name_[LATE_]userid_attachmentid_file``, e.g.
    ``núñezjosé_LATE_1234_98765_kmeans-1.py``. The identity is the Canvas user id; ``LATE_`` is
    the late flag; Canvas appends ``-1``, ``-2``, ... to a file uploaded again.

    The import is the Gradebook's CSV (Student, ID, SIS User ID, SIS Login ID, Section, then one
    column per assignment; a "Points Possible" row), matched on the Canvas user id in ID: it
    takes scores only, never comments.

    The feedback pages go back through "Re-Upload Submissions": a zip of files named as the
    download names them, ``name_userid_attachmentid_feedback.html``; Canvas reads the first two
    all-digit parts as the user id and the id of one of that student's submitted files, and
    attaches the file to their submission as a comment ("See attached file"), under that
    submitted file's name."""

    name = "canvas"
    pattern = re.compile(
        r"^(?P<name>[^_]*)_(?P<late>LATE_)?(?P<id>\d+)_(?P<submission>\d+)_(?P<file>.+)$",
        re.DOTALL)
    import_file = "canvas-import.csv"
    feedback_file = "canvas-feedback.zip"

    def students(self, children, folder):
        students, others = super().students(children, folder)
        for student in students:  # the attachment id of the graded upload
            if found := self.pattern.match(student.path.name):
                student.file_id = found["submission"]
        return students, others

    def identify(self, child, found):
        return Student(found["id"], child, self.name, found["id"], found["name"].strip(),
                       "yes" if found["late"] else "no")

    def again(self, kept, entry):
        if entry.late == "yes":  # late once is late
            kept.late = "yes"

    def import_rows(self, graded, top, assignment):
        return ([["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment],
                 ["Points Possible", "", "", "", "", f"{top:g}"]]
                + [[name, lms_id, "", "", "", grade_cell(o)]
                   for r, o, _ in graded for lms_id, name in people(r)])

    def feedback_entries(self, record):
        if not (record.get("file_id") and record.get("lms_id", "").isdigit()):
            return []  # an older roster, or an empty entry: nothing Canvas could match
        # The name part must hold no "_" and not be all digits (Canvas would read it as an id).
        name = re.sub(r"[^\w.-]|_", "", record.get("name", ""))
        name = name if name and not name.isdigit() else "student"
        return [f"{name[:60]}_{record['lms_id']}_{record['file_id']}_feedback.html"]
