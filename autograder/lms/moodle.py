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
    # The id is in the last such group: Moodle writes the full name (which a participant may
    # set to anything, even ``Victim_222_assignsubmission_file_x``) before it.
    pattern = re.compile(
        r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$", re.DOTALL)
    group = re.compile(r"_(\d+)_assignsubmission_([a-z]+)_", re.DOTALL)
    import_file = "moodle-grading-worksheet.csv"

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
        return ([["Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)",
                  "Feedback comments"]]
                + [[f"Participant {r['lms_id']}", r["name"], grade_cell(o), f"{top:g}", "",
                    f"Autograder: {o.score:g} / {top:g} ({o.status})"] for r, o in graded])
