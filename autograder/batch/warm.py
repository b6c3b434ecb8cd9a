"""What every grading computes alike, computed once by the batch's warm server as it imports
this (``processes.PRELOAD``), so that every grader it forks starts with it: the reference's
capstone distortions on the hidden images (``capstone.reference_distortions``, a cache of the
process, with the hidden images it loads). A grader gets the same values it would compute
itself: they depend only on the reference, the hidden images, K and the seeds."""

from .. import capstone

try:
    capstone.reference_distortions()
except Exception:  # noqa: BLE001 - e.g. a missing hidden image: each grader then says so itself
    pass
