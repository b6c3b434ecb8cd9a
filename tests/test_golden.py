"""Golden submissions: graded through the real command line, each must get its stated score.

Each file in tests/golden/ says in its header what it is and what it must score:

    # golden: what the submission does
    # base: correct_broadcast.py     graded on top of that file (else on the stub alone)
    # standalone                     graded as it is, without the stub
    # expect: find_closest_centroids=full compute_centroid_means=0 ...   (full, 0, <full)
    # fails: <test name>             this check must be among those that fail
    # status: unreadable             the results' status
    # says: <text>                   a message the student must be shown (in some output)

Unless standalone, a golden is graded as the student stub followed by its base and itself, the
way a student's file is the stub with functions filled in: a later definition replaces an
earlier one.
"""

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autograder import paths

GOLDEN = Path(__file__).resolve().parent / "golden"
FILES = sorted(p.name for p in GOLDEN.glob("*.py"))


def header(path: Path) -> dict:
    spec = {"expect": {}, "fails": [], "says": [], "base": None, "standalone": False,
            "status": "graded"}
    for raw in path.read_bytes().decode("utf-8", "replace").splitlines():
        if not raw.startswith("# "):
            break
        key, _, value = raw[2:].partition(":")
        key, value = key.strip(), value.strip()
        if key == "expect":
            spec["expect"] = dict(item.split("=") for item in value.split())
        elif key in ("fails", "says"):
            spec[key].append(value)
        elif key in ("base", "status"):
            spec[key] = value
        elif key == "standalone":
            spec["standalone"] = True
    return spec


def build(name: str, folder: Path) -> Path:
    spec = header(GOLDEN / name)
    parts = [] if spec["standalone"] else [paths.STUB.read_bytes()]
    if spec["base"]:
        parts.append((GOLDEN / spec["base"]).read_bytes())
    parts.append((GOLDEN / name).read_bytes())
    target = folder / "kmeans.py"
    target.write_bytes(b"\n\n".join(parts))
    return target


def grade_cli(submission: Path, out: Path):
    """Grade through the command line; the result also carries the grader's pid."""
    process = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(submission),
                                "--out", str(out)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    stdout, stderr = process.communicate(timeout=300)
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    done.pid = process.pid
    return done


class Listener:
    """A loopback TCP server the network golden must not reach from inside the sandbox."""

    def __init__(self, port):
        self.server = socket.create_server(("127.0.0.1", port))
        self.server.settimeout(0.2)
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.server.accept()
                self.connections += 1
                connection.close()
            except OSError:
                pass

    def close(self):
        self.running = False
        self.thread.join()
        self.server.close()


VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FUNCTIONS = ("find_closest_centroids", "compute_centroid_means", "kmeans_init_centroids",
             "compress_image")


def assert_gradescope_schema(results):
    """Gradescope's results.json: a numeric score and tests with the documented fields."""
    assert isinstance(results["score"], (int, float))
    assert results.get("visibility", "visible") in VISIBILITY
    assert results.get("stdout_visibility", "hidden") in VISIBILITY
    assert isinstance(results["output"], str)
    names = [t["name"] for t in results["tests"]]
    assert len(names) == len(set(names)), "test names must be unique"
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "output", "visibility"}, test
        assert test["name"].split(":")[0] in FUNCTIONS, test["name"]
        assert 0 <= test["score"] <= test["max_score"] and test["visibility"] in VISIBILITY
        assert isinstance(test["output"], str) and test["output"]
    assert abs(results["score"] - sum(t["score"] for t in results["tests"])) < 1e-6


def sandbox_processes(grader_pid: int) -> int:
    """Processes still running as one of the uids that grader process gave its workers."""
    from autograder.sandbox import SANDBOX_UIDS

    first = (grader_pid * 97) % len(SANDBOX_UIDS)  # as autograder.sandbox numbers them
    uids = {SANDBOX_UIDS[(first + k) % len(SANDBOX_UIDS)] for k in range(64)}
    return sum(1 for pid in os.listdir("/proc") if pid.isdigit() and _uid(pid) in uids)


def _uid(pid):
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


@pytest.mark.parametrize("name", FILES)
def test_golden_submission(name, tmp_path):
    spec = header(GOLDEN / name)
    assert spec["expect"], f"{name} states no expected score"
    listener = Listener(48123) if name == "hostile_network.py" else None
    try:
        done = grade_cli(build(name, tmp_path), tmp_path / "results.json")
    finally:
        if listener:
            listener.close()
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert_gradescope_schema(results)
    functions = results["extra_data"]["functions"]
    for function, wanted in spec["expect"].items():
        got, full = functions[function]["score"], functions[function]["max_score"]
        if wanted == "full":
            failing = [f"{t['name']}: {t['output']}" for t in results["tests"]
                       if t["name"].startswith(function) and t["score"] < t["max_score"]]
            assert got == full, f"{function} should get full marks:\n" + "\n".join(failing)
        elif wanted == "0":
            assert got == 0, f"{function} should get 0, got {got} of {full}"
        else:
            assert wanted == "<full" and got < full, f"{function} should lose points, got {got}"
    failed = {t["name"] for t in results["tests"] if t["score"] < t["max_score"]}
    for name_of_check in spec["fails"]:
        assert name_of_check in failed, f"'{name_of_check}' should fail; failed: {sorted(failed)}"
    assert results["extra_data"]["status"] == spec["status"]
    shown = "\n".join([results["output"]] + [t["output"] for t in results["tests"]])
    for message in spec["says"]:
        assert message in shown, f"the student should be told '{message}'"
    if listener:
        assert listener.connections == 0, "the sandbox reached the grader's loopback"
    if os.geteuid() == 0:
        assert sandbox_processes(done.pid) == 0, "sandbox processes outlived the grading"
    for test in results["tests"]:  # nothing a student reads reveals the reference's code
        assert "BEGIN SOLUTION" not in test["output"] and "_BLOCK_ENTRIES" not in test["output"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the unprivileged-user fallback needs root")
@pytest.mark.parametrize("name", ["correct_broadcast.py", "hang_init.py"])
def test_fallback_isolation_still_grades(name, tmp_path, monkeypatch):
    """Without bubblewrap, as root: an unprivileged user, with limits and timeouts."""
    monkeypatch.setenv("KMEANS_SANDBOX", "fallback")
    done = grade_cli(build(name, tmp_path), tmp_path / "results.json")
    assert done.returncode == 0, done.stderr
    assert "WARNING: bubblewrap cannot run (KMEANS_SANDBOX=fallback is set)" in done.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["extra_data"]["isolation"] == "unprivileged-user"
    assert "WARNING" in results["output"]
    functions = results["extra_data"]["functions"]
    for function, wanted in header(GOLDEN / name)["expect"].items():
        expected = functions[function]["max_score"] if wanted == "full" else 0
        assert functions[function]["score"] == expected, (function, results["tests"])
    assert sandbox_processes(done.pid) == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="the unprivileged-user fallback needs root")
@pytest.mark.parametrize("hidden", ["solutions/kmeans.py", "autograder/suites/conftest.py",
                                    "autograder/hidden_data/hidden_china.png"])
def test_fallback_isolation_cannot_read_hidden_files(hidden, tmp_path, monkeypatch):
    """Without bubblewrap the reference, hidden tests and hidden images are still out of reach.

    (Copies elsewhere on the machine are not: the fallback's warning says so.)
    """
    monkeypatch.setenv("KMEANS_SANDBOX", "fallback")
    submission = tmp_path / "kmeans.py"
    submission.write_text(
        "import numpy as np\n\n"
        "def find_closest_centroids(X, centroids):\n"
        f"    open({str(paths.ROOT / 'README.md')!r}, 'rb').read()  # readable, so the\n"
        f"    open({str(paths.ROOT / hidden)!r}, 'rb').read()  # protection stops this\n"
        "    return np.zeros(len(X), dtype=int)\n")
    done = grade_cli(submission, tmp_path / "results.json")
    assert done.returncode == 0, done.stderr
    first = json.loads((tmp_path / "results.json").read_text())["tests"][0]
    assert first["score"] == 0 and "PermissionError" in first["output"], first
    walkable = all(folder.stat().st_mode & 0o001 for folder in [paths.ROOT, *paths.ROOT.parents])
    if walkable:  # then README.md was read, and it is the protection that refused the hidden file
        assert "(kmeans.py line 5)" in first["output"], first


def test_every_check_has_a_golden_that_must_fail_it_and_correct_ones_that_must_pass():
    """A check no wrong submission fails could be a check that cannot fail: each one is named
    in some golden's `fails:` (which test_golden_submission then enforces), and every function
    is graded full by at least three differently written correct submissions."""
    from autograder.grading import check_names

    specs = {name: header(GOLDEN / name) for name in FILES}
    claimed = {check for spec in specs.values() for check in spec["fails"]}
    checks = check_names()
    unclaimed = [check for check in checks if check not in claimed]
    assert not unclaimed, "no golden submission must fail these checks:\n" + "\n".join(unclaimed)
    unknown = sorted(claimed - set(checks))
    assert not unknown, "goldens name checks that do not exist (renamed?):\n" + "\n".join(unknown)
    for function in FUNCTIONS:
        full = [name for name, spec in specs.items() if spec["expect"].get(function) == "full"
                and not spec["fails"] and name.startswith("correct_")]
        assert len(full) >= 3, f"{function}: correct goldens graded full: {full}"
