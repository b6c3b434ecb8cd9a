"""The isolation modes, one file each, and their registry (strongest first).

A mode is one object with one interface (:class:`Mode`): why it cannot run here at all (a cheap
check before the real probe), the layers it enforces, where a worker's files are staged and its
scratch folder made, the command line that starts a worker, what the worker's exit status means,
and how strays are reaped. Adding a mode is a file here and a line in :data:`REGISTRY`; detect.py
probes each by starting a real worker of that mode.
"""

from .base import Mode
from .bubblewrap import Bubblewrap
from .landlock import Landlock
from .process import Process

REGISTRY = (Bubblewrap(), Landlock(), Process())  # strongest first
NAMES = tuple(mode.name for mode in REGISTRY)


def by_name(name: str) -> Mode:
    for mode in REGISTRY:
        if mode.name == name:
            return mode
    raise KeyError(name)
