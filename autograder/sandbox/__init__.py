"""Run untrusted Python functions in a contained worker process. Knows nothing of K-means.

``detect()`` chooses the isolation (bubblewrap, Landlock, or process only; see detect.py),
``Sandbox(source, isolation)`` runs one module behind a worker and returns typed outcomes for
its loading and its calls (client.py). One module per layer: bubblewrap.py, landlock.py,
seccomp.py, limits.py; protocol.py is the wire and the value codec; worker.py the other side.
"""

from .client import (Died, Loaded, Malformed, Module, NotReady, NotRun, Raised, Returned,
                     Sandbox, TimedOut)
from .detect import Isolation, SandboxUnavailable, detect, readable_paths
from .limits import Limits, die_with_parent, uids_of
from .protocol import Foreign, FrameError

__all__ = ["Died", "Foreign", "FrameError", "Isolation", "Limits", "Loaded", "Malformed",
           "Module", "NotReady", "NotRun", "Raised", "Returned", "Sandbox", "SandboxUnavailable",
           "TimedOut", "detect", "die_with_parent", "readable_paths", "uids_of"]
