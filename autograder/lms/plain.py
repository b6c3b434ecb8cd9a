"""A plain folder: one file, folder or zip per student, named after the student."""

from collections import Counter

from .base import Lms, Student, plain_key, stem_of


class Plain(Lms):
    """Any entry no LMS claims is a student: the name is kept in full; the key, a folder name,
    is the name without its extension, escaped (``plain_key``): letters, digits and ``._-``
    kept, every other byte ``%XX``, so ``José Núñez.py`` is ``Jos%C3%A9%20N%C3%BA%C3%B1ez``.
    Entries whose names differ only in the extension (``amy.py``, ``amy.zip``) are
    ``amy~py`` and ``amy~zip``."""

    name = "plain"

    def claims(self, children, folder):
        return 0  # what is left when no LMS claims the folder

    def students(self, children, folder, taken=()):
        stems = Counter(stem_of(child.name)[0] for child in children)
        students = []
        for child in children:
            stem, extension = stem_of(child.name)
            key = plain_key(stem, extension if stems[stem] > 1 else None)
            assert key not in taken  # an LMS's keys look like no plain key
            students.append(Student(key, child, name=stem, graded_file=child.name))
        return students, []
