"""Run untrusted Python functions in a contained worker process. Knows nothing of K-means.

``detect()`` chooses the isolation mode by starting a real worker of each (detect.py; the modes,
one file each and a registry strongest first, are in modes/), ``Sandbox(module, isolation)``
runs one module behind a worker and returns typed outcomes for its loading and its calls
(client.py), falling back to the next mode if a worker dies before "ready". One module per
layer, which the modes use: bubblewrap.py, landlock.py, seccomp.py, limits.py; protocol.py is
the wire and the value codec (the one place what comes back is validated); worker.py the other
side; callbacks.py the grader's functions a call may offer to answer for the module's own. For a caller that runs many graders: :func:`prepare` a folder that will hold workers'
staging, :func:`reap` what is left running from it, preload :data:`PRELOAD`, and hand what
its probes found (:func:`probed`) to the graders it starts (:func:`remember`).
"""

import os

from .callbacks import CallBackFault, CallBacks, Refused
from .client import (Died, Loaded, Malformed, Module, NotReady, NotRun, Raised, Returned,
                     TimedOut)
from .detect import Sandbox, detect, fall_back, probed, remember
from .installation import readable_paths
from .isolation import Isolation, SandboxUnavailable
from .limits import Limits, die_with_parent, uids_of
from .modes import NAMES as MODES, REGISTRY, Mode
from .protocol import Foreign, FrameError
from .removal import remove_tree

# The modules a process that forks graders is worth importing first (numpy is the worker's).
PRELOAD = (__name__, f"{__name__}.client", f"{__name__}.detect", f"{__name__}.modes")


def prepare(folder) -> None:
    """Make ``folder`` (the grader's own) fit to hold workers' staging folders: a worker under a
    uid of its own may pass through it to its folder, but not list it."""
    os.chmod(folder, 0o711)


def reap(folder) -> None:
    """Kill every worker still running from a staging folder inside ``folder`` (whose grader was
    killed before it could stop them), in every mode."""
    done = set()
    for mode in REGISTRY:
        if type(mode).reap not in done:  # modes that reap alike look through /proc once
            done.add(type(mode).reap)
            mode.reap(folder)


__all__ = ["CallBackFault", "CallBacks", "Died", "Foreign", "FrameError", "Isolation", "Limits",
           "Loaded", "Malformed", "MODES",
           "Mode", "Module", "NotReady", "NotRun", "PRELOAD", "Raised", "REGISTRY", "Returned",
           "Sandbox", "SandboxUnavailable", "TimedOut", "detect", "die_with_parent", "prepare",
           "probed", "readable_paths", "reap", "Refused", "remember", "uids_of"]
