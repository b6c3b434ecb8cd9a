"""The grader with a bubblewrap that cannot run a worker (bubblewrap 0.6 has no --size; a
non-root container refuses the namespaces): it grades in the next mode, says so, and every
grade is what it would be (the reference full, the stub 0), never "grader error"."""

import json
import os
import subprocess
import sys

import pytest
from sandbox_fakes import FIRST_ONLY, WITHOUT_SIZE, fake_bwrap, fresh  # noqa: F401 (fixtures)

from autograder import paths
from autograder.sandbox import landlock

NEXT = "landlock" if landlock.abi_version() else "process"


def grade(path, out, **env):
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(path), "--out",
                           str(out)], capture_output=True, text=True, timeout=600,
                          cwd=paths.ROOT, env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


# A grader alone takes the strongest mode on trust and its first worker is the probe; one a
# batch starts is told what the batch's probe found ("ready"), and its worker dies after.
PROBED = {"KMEANS_SANDBOX_PROBED": json.dumps({"bubblewrap own-uid": None,
                                               "bubblewrap grader-uid": None})}


@pytest.mark.parametrize("fake, why, env", [(WITHOUT_SIZE, "Unknown option --size", {}),
                                            (FIRST_ONLY, "Operation not permitted", PROBED)],
                         ids=["found-by-the-first-worker", "found-while-grading"])
def test_the_grader_falls_to_the_next_mode_and_names_it(fake, why, env, fake_bwrap, tmp_path):
    log = fake_bwrap(fake)
    for path, expected in ((paths.ROOT / "solutions" / "kmeans.py", 66),
                           (paths.ROOT / "assignment" / "kmeans.py", 0)):
        log.write_text("run\n" if env else "")  # the batch's probe ran the first bwrap
        results = grade(path, tmp_path / "results.json", **env)
        assert results["score"] == expected, results["output"]
        assert results["extra_data"]["status"] == "graded"
        assert results["extra_data"]["isolation"] == NEXT
        bubblewrap = [m for m in results["extra_data"]["missing_layers"]
                      if m.startswith("bubblewrap (")]
        assert bubblewrap and "before it was ready" in bubblewrap[0] and why in bubblewrap[0], \
            results["extra_data"]["missing_layers"]
        assert f"Missing here: bubblewrap (its worker died before it was ready" in \
            results["output"]
        assert why in results["output"]


def test_a_forced_bubblewrap_that_cannot_run_is_one_line_for_the_instructor(fake_bwrap,
                                                                               tmp_path):
    fake_bwrap(WITHOUT_SIZE)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade",
                           str(paths.ROOT / "solutions" / "kmeans.py"), "--out",
                           str(tmp_path / "r.json")], capture_output=True, text=True,
                          timeout=600, cwd=paths.ROOT, env={**os.environ,
                                                           "KMEANS_SANDBOX": "bubblewrap"})
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert ("KMEANS_SANDBOX=bubblewrap, but bubblewrap cannot run here: its worker died before "
            "it was ready (bwrap: Unknown option --size)") in done.stderr


def test_a_grader_alone_starts_no_worker_to_probe(fake_bwrap, tmp_path):
    """Its first grading worker is the probe: as many bubblewrap runs as a grader a batch
    started, told what the batch's probe found, makes."""
    log = fake_bwrap('echo run >> "$LOG"\nexec "$REAL" "$@"')
    runs = []
    for env in ({}, PROBED):
        log.write_text("")
        results = grade(paths.ROOT / "solutions" / "kmeans.py", tmp_path / "results.json", **env)
        assert results["score"] == 66 and results["extra_data"]["isolation"] == "bubblewrap"
        runs.append(len(log.read_text().splitlines()))
    assert runs[0] == runs[1] >= 1, runs
