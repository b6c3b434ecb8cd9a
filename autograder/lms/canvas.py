"""Canvas: "Download Submissions", and the Gradebook's CSV import."""

import re

from .base import Lms, Student, grade_cell


class Canvas(Lms):
    """Files named ``name_[LATE_]userid_submissionid_file``, e.g.
    ``núñezjosé_LATE_1234_98765_kmeans-1.py``. The identity is the Canvas user id; ``LATE_`` is
    the late flag; Canvas appends ``-1``, ``-2``, ... to a file uploaded again.

    The import is the Gradebook's CSV (Student, ID, SIS User ID, SIS Login ID, Section, then one
    column per assignment; a "Points Possible" row), matched on the Canvas user id in ID."""

    name = "canvas"
    pattern = re.compile(
        r"^(?P<name>[^_]*)_(?P<late>LATE_)?(?P<id>\d+)_(?P<submission>\d+)_(?P<file>.+)$",
        re.DOTALL)
    import_file = "canvas-import.csv"

    def identify(self, child, found):
        return Student(found["id"], child, self.name, found["id"], found["name"].strip(),
                       "yes" if found["late"] else "no")

    def again(self, kept, entry):
        if entry.late == "yes":  # late once is late
            kept.late = "yes"

    def import_rows(self, graded, top, assignment):
        return ([["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment],
                 ["Points Possible", "", "", "", "", f"{top:g}"]]
                + [[r["name"], r["lms_id"], "", "", "", grade_cell(o)] for r, o in graded])
