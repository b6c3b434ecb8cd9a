"""How student code is isolated on this machine, as data the caller words; and the error for a
mode asked for that cannot run here."""

from dataclasses import dataclass

from .modes import REGISTRY, Mode


class SandboxUnavailable(RuntimeError):
    """The mode asked for cannot run here: ``mode`` and ``why`` (one line) say which and why."""

    def __init__(self, mode: str, why: str):
        super().__init__(f"{mode}: {why}")
        self.mode, self.why = mode, why


@dataclass(frozen=True)
class Isolation:
    """How student code is isolated on this machine: the data the caller words."""

    mode: Mode
    own_uid: bool  # student code runs under a uid of its own (as root), never the grader's
    layers: tuple = ()  # what is enforced, e.g. ("bubblewrap", "landlock 7", "seccomp", ...)
    missing: tuple = ()  # layers and stronger modes this machine lacks, each with why
    forced: bool = False  # the caller asked for this mode: never fall back from it
    passed_over: tuple = ()  # (name, why) of each stronger mode that could not run
    without: tuple = ()  # the modes the caller left out
    leaves_root: bool = False  # with own_uid: the worker starts as root, to read a Python
    # installation closed to other users, and takes its own uid before any student code

    @property
    def name(self) -> str:
        return self.mode.name

    @property
    def strongest(self) -> bool:
        """The strongest mode this package has (the first of the registry)."""
        return self.mode is REGISTRY[0]

    @property
    def landlock(self) -> bool:
        return any(layer.startswith("landlock") for layer in self.layers)

    @property
    def seccomp(self) -> bool:
        return "seccomp" in self.layers
