"""The process mode: a worker with seccomp and resource limits only (a kernel without Landlock).

It could read this machine's files: not safe for untrusted code.
"""

from .base import Mode


class Process(Mode):
    name = "process"
    landlock = False
