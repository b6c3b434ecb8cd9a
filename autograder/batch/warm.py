"""What every grading computes alike, computed once by the batch's warm server as it imports
this (``processes.PRELOAD``), so that every grader it forks starts with it:

- the reference's capstone distortions on the hidden images (``capstone.reference_distortions``,
  a cache of the process, with the hidden images it loads);
- the suites, collected (``plugin.prepare``): pytest configured, its session started and every
  check collected, which each grader then runs on its own copy;
- what grading would otherwise load in each grader at its first use: ``numpy.ma`` (which
  ``np.unique`` imports) and Python's build settings (``sysconfig``, read for the folders a
  worker may import from).

A grader gets the same values and checks it would make itself: they depend only on the
reference, the hidden images, K, the seeds and the suites. Whatever fails here, each grader
does for itself (and says so)."""

import sysconfig

import numpy.ma  # noqa: F401 - loaded by np.unique at its first call

from .. import capstone
from ..grading import plugin

sysconfig.get_paths()  # reads (and keeps) the build settings

try:
    capstone.reference_distortions()
except Exception:  # noqa: BLE001 - e.g. a missing hidden image: each grader then says so itself
    pass

try:
    plugin.prepare()
except Exception:  # noqa: BLE001 - each grader collects the suites itself, and says what failed
    plugin.PREPARED.clear()
