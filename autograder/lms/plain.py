"""A plain folder: one file, folder or zip per student, named after the student."""

import re

from .base import Lms, Student, safe_key


class Plain(Lms):
    """Any entry no LMS claims is a student: the name is kept in full; the key, a folder name,
    keeps only letters, digits and ``._-`` (``-2``, ``-3``, ... when two would be the same)."""

    name = "plain"

    def claims(self, children, folder):
        return 0  # what is left when no LMS claims the folder

    def students(self, children, folder, taken=()):
        taken, students = set(taken), []
        for child in children:
            key, n = safe_key(child.name), 2
            base = key
            while key in taken:
                key, n = f"{base}-{n}", n + 1
            taken.add(key)
            name = re.sub(r"\.(zip|py|ipynb)$", "", child.name, flags=re.IGNORECASE)
            students.append(Student(key, child, name=name, graded_file=child.name))
        return students, []
