"""Grade one submission: the front door of the grader, whose rooms are

- ``orchestration.py``: :func:`grade` (stage, sandbox, run the checks, build the Results) and
  :func:`grade_and_write`, the `grade` command without its terminal;
- ``plugin.py``: the pytest plugin that collects the checks (name, points, visibility from
  their markers) and records how each went;
- ``student.py``: the student's module behind the sandbox, and whose fault each outcome is;
- ``faults.py``: the exceptions that say whose fault;
- ``output.py``: the feedback page's files and the terminal's text.

Every sentence a student reads about their code comes from ``assignment/checks.py``; the outcome
is a ``results.Results``, which alone writes results.json.
"""

from .faults import GraderError, GraderFault, SetupFault, StudentFault
from .orchestration import (FUNCTIONS, PROBED, Graded, detect_isolation, grade,
                            grade_and_write, hidden_paths, isolation_note)
from .output import printed_excerpt, print_fault, save_artifacts, save_text, summary_table
from .plugin import (OUTPUT_LIMIT, PASSED, PUBLIC_TESTS, SUITES, Collector, check_names,
                     collect_checks, describe_check, run_suites)
from .student import BUILTIN_ERRORS, HIDDEN_MESSAGE, Loading, StudentModule, load, student_error

__all__ = ["BUILTIN_ERRORS", "Collector", "FUNCTIONS", "Graded", "GraderError", "GraderFault",
           "HIDDEN_MESSAGE", "Loading", "OUTPUT_LIMIT", "PASSED", "PROBED", "PUBLIC_TESTS",
           "SUITES", "SetupFault", "StudentFault", "StudentModule", "check_names",
           "collect_checks", "describe_check", "detect_isolation", "grade", "grade_and_write",
           "hidden_paths", "isolation_note", "load", "print_fault", "printed_excerpt",
           "run_suites", "save_artifacts", "save_text", "student_error", "summary_table"]
