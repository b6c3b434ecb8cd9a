"""As root, student code never runs under uid 0: with a Python installation closed to other users
the worker starts as root, loads what it needs, and takes a uid of its own before any student
code; a grader that cannot give it one refuses in one line rather than grade as root."""

import os
import shutil
import subprocess
import sys

import pytest

from autograder import paths, sandbox
from autograder.sandbox.limits import SANDBOX_UIDS
from autograder.sandbox.installation import python_unreadable

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or python_unreadable() is None,
                                reason="needs root and a Python installation closed to others")

SOURCE = b"""import os
import statistics
import numpy as np


def who():
    return [os.getuid(), os.geteuid(), os.getgid(), os.getgroups(),
            float(np.linalg.norm(np.ones(4))), float(np.random.default_rng(0).random()),
            float(np.fft.fft(np.ones(2))[0].real), statistics.mean([1, 2])]


def capabilities():
    with open("/proc/self/status") as handle:
        return [line.split()[1] for line in handle if line.startswith(("CapEff", "CapPrm"))]
"""


@pytest.mark.parametrize("mode", ["landlock", "process"])
def test_student_code_runs_under_a_uid_of_its_own_without_capabilities(mode):
    isolation = sandbox.detect(forced=mode)
    assert isolation.own_uid and isolation.leaves_root and "own uid" in isolation.layers
    assert not any(m.startswith("own uid") for m in isolation.missing)
    with sandbox.Sandbox(sandbox.Module(SOURCE), isolation, prefix="uid-test-") as box:
        assert isinstance(box.start(), sandbox.Loaded)
        who = box.call("who")
        assert isinstance(who, sandbox.Returned), who
        uid, euid, gid, groups, norm, drawn, fft, mean = who.value
        assert uid == euid == gid == box.process.uid and uid in SANDBOX_UIDS
        assert groups == [] and norm == 2.0 and 0 <= drawn < 1 and fft == 2.0 and mean == 1.5
        if mode == "process":  # Landlock hides /proc/self/status
            assert box.call("capabilities").value == ["0000000000000000"] * 2


def test_a_root_grader_that_cannot_change_uid_refuses_in_one_line(tmp_path):
    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("no setpriv")
    done = subprocess.run([setpriv, "--bounding-set=-setuid,-setgid", "--inh-caps=-setuid,-setgid",
                           "--", sys.executable, "-m", "autograder", "grade",
                           str(paths.ROOT / "solutions" / "kmeans.py"), "--out",
                           str(tmp_path / "r.json")], capture_output=True, text=True,
                          timeout=600, cwd=paths.ROOT,
                          env={**os.environ, "KMEANS_SANDBOX": "landlock"})
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert not (tmp_path / "r.json").exists()
    assert ("KMEANS_SANDBOX=landlock, but landlock cannot run here: its worker died before it "
            "was ready (the worker could not leave uid 0 for a uid of its own (Operation not "
            "permitted): give the grader CAP_SETUID and CAP_SETGID, or install its Python where "
            "other users can read it (/usr, /opt, /srv))") in done.stderr, done.stderr
