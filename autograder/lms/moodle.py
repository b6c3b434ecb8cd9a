"""Moodle: "Download all submissions", and the assignment's offline grading worksheet."""

import re

from .base import Lms, Student, grade_cell


class Moodle(Lms):
    """Files named ``Full Name_12345_assignsubmission_file_X`` or, with "Download submissions
    in folders", folders named ``Full Name_12345_assignsubmission_file_`` holding the files. The
    identity is the participant id (``Participant 12345`` in the grading worksheet). The export
    does not say who was late.

    The import is the offline grading worksheet (Identifier "Participant N", Full name, Grade,
    Maximum Grade, Last modified (grade), Feedback comments), as "Upload grading worksheet"
    takes it."""

    name = "moodle"
    pattern = re.compile(
        r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$", re.DOTALL)
    import_file = "moodle-grading-worksheet.csv"

    def identify(self, child, found):
        return Student(found["id"], child, self.name, found["id"], found["name"].strip())

    def uploads(self, child, found):
        if not child.is_dir() and found["plugin"] != "file":
            return [(found["file"] or child.name, child)]  # online text: listed, not graded
        return super().uploads(child, found)

    def import_rows(self, graded, top, assignment):
        return ([["Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)",
                  "Feedback comments"]]
                + [[f"Participant {r['lms_id']}", r["name"], grade_cell(o), f"{top:g}", "",
                    f"Autograder: {o.score:g} / {top:g} ({o.status})"] for r, o in graded])
