"""Whose fault it is: the exceptions grading raises, each saying who must act.

A fault of the grader (``GraderFault``, ``SetupFault`` when it is a setting to fix) ends a
grading without results; ``GraderError`` is such a fault met inside a check, while calling into
the sandbox; ``StudentFault`` is the submission's own failure, with the sentence its student
reads.
"""


class GraderFault(RuntimeError):
    """Something went wrong in the grader itself, not in the submission."""


class SetupFault(GraderFault):
    """The grader is set up wrongly (an isolation that cannot run here): one line says how."""


class GraderError(BaseException):
    """A failure of the grader itself while calling into the sandbox. A BaseException, so the
    checks' ``except Exception`` never mistakes it for the student's."""


class StudentFault(Exception):
    """The submission failed in a way that is its own fault; ``student_message`` says how."""

    def __init__(self, student_message: str):
        super().__init__(student_message)
        self.student_message = student_message
