"""The Landlock mode: no namespaces (a container without user namespaces, a machine without
bubblewrap); the worker applies Landlock and seccomp to itself before any student code."""

from .. import landlock
from .base import Mode


class Landlock(Mode):
    name = "landlock"

    def unavailable(self) -> str | None:
        if not landlock.abi_version():
            return "this kernel has none: Linux 5.13 or newer has it"
        return None
