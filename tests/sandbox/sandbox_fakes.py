"""Helpers for the sandbox's own tests: fresh detection, and fake bwrap programs on PATH.

Not a conftest.py: the tests above import theirs as ``conftest``. Import the fixtures by name."""

import importlib
import os
import shutil
import stat
from pathlib import Path

import pytest

detect = importlib.import_module("autograder.sandbox.detect")  # the module, not the function

REAL_BWRAP = shutil.which("bwrap")


@pytest.fixture
def fresh(monkeypatch):
    """Detection as in a new process: nothing probed, nothing chosen yet."""
    monkeypatch.setattr(detect, "_probed", {})
    monkeypatch.setattr(detect, "_chosen", {})


@pytest.fixture
def fake_bwrap(tmp_path, monkeypatch, fresh):
    """``fake_bwrap(script)`` puts a ``bwrap`` running the shell ``script`` first on PATH
    (``$REAL`` is the real bwrap, ``$LOG`` a file it may append to); returns the log's path."""
    if not REAL_BWRAP:
        pytest.skip("bubblewrap is not installed")

    def install(script: str) -> Path:
        folder = tmp_path / "fakebin"
        folder.mkdir(exist_ok=True)
        log = tmp_path / "bwrap.log"
        fake = folder / "bwrap"
        fake.write_text(f"#!/bin/sh\nREAL={REAL_BWRAP}\nLOG={log}\n{script}\n")
        fake.chmod(fake.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
        return log

    return install


# A bubblewrap like 0.6's, which has no --size: `bwrap --ro-bind / / true` works, a worker not.
WITHOUT_SIZE = ('for a in "$@"; do [ "$a" = "--size" ] && { echo "bwrap: Unknown option --size"'
                ' >&2; exit 1; }; done\nexec "$REAL" "$@"')
# A bubblewrap whose first run works and every later one dies before the worker starts.
FIRST_ONLY = ('echo run >> "$LOG"\n[ "$(wc -l < "$LOG")" -le 1 ] && exec "$REAL" "$@"\n'
              'echo "bwrap: creating new namespace failed: Operation not permitted" >&2\nexit 1')
