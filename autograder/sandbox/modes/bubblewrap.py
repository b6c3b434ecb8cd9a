"""The bubblewrap mode: the worker in namespaces of its own (the layer in ../bubblewrap.py), with
Landlock, seccomp and the limits inside too; /tmp is its scratch, a size-limited tmpfs."""

from pathlib import Path

from .. import bubblewrap
from .base import Mode


class Bubblewrap(Mode):
    name = "bubblewrap"
    namespaced = True

    def unavailable(self) -> str | None:
        return bubblewrap.unavailable()

    def layers(self) -> list[str]:
        return ["bubblewrap", *super().layers()]

    def own_uid_blocker(self) -> str | None:
        return None  # what the worker needs is mounted for it, readable by its uid

    def stage_folder(self, own_uid: bool) -> str:
        return super().stage_folder(False)  # bubblewrap mounts it: no other uid walks there

    def scratch(self, stage: Path) -> Path:
        return Path("/tmp")  # a private tmpfs of the worker's, whose size bubblewrap limits

    def command(self, argv, settings, env, scratch_bytes, uid):
        return bubblewrap.command(argv, settings["readable"], settings["stage"], scratch_bytes,
                                  uid, env)

    def user(self, uid):
        return {}  # setpriv, inside, leaves root (bubblewrap.command)

    def exit_status(self, code: int) -> int:
        return -(code - 128) if code > 128 else code  # its child's death by signal n is 128 + n
