"""Golden submissions: graded through the real command line, each must get its stated score.

The header format of each file in tests/golden/ is described in tests/conftest.py.
"""

import functools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from autograder import paths
from conftest import FILES, FUNCTIONS, GOLDEN, assert_gradescope_schema, build, header

def grade_cli(submission: Path, out: Path, python=sys.executable, prefix=(), cwd=None,
              env=None):
    """Grade through the command line; the result also carries the grader's pid."""
    process = subprocess.Popen([*prefix, python, "-m", "autograder", "grade", str(submission),
                                "--out", str(out)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=cwd,
                               env=dict(os.environ, **(env or {})))
    stdout, stderr = process.communicate(timeout=300)
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    done.pid = process.pid
    return done


class Listener:
    """Loopback TCP and UDP servers the network goldens must not reach from inside the sandbox."""

    def __init__(self, port):
        self.server = socket.create_server(("127.0.0.1", port))
        self.server.settimeout(0.2)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", port + 1))
        self.udp.settimeout(0.2)
        self.connections = 0
        self.running = True
        self.threads = [threading.Thread(target=self._serve, daemon=True),
                        threading.Thread(target=self._answer, daemon=True)]
        for thread in self.threads:
            thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.server.accept()
                self.connections += 1
                connection.close()
            except OSError:
                pass

    def _answer(self):
        while self.running:
            try:
                data, sender = self.udp.recvfrom(16)
                self.connections += 1
                self.udp.sendto(b"pong", sender)
            except OSError:
                pass

    def close(self):
        self.running = False
        for thread in self.threads:
            thread.join()
        self.server.close()
        self.udp.close()


def sandbox_processes(grader_pid: int, tmpdir: str = "/nonexistent/") -> int:
    """Processes still running as one of the uids that grader process gave its workers, or (any
    mode) with that grader's staged files (in ``tmpdir``) on their command line."""
    from autograder.sandbox import uids_of

    uids = set(uids_of(grader_pid))
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            cmdline = b""
        count += _uid(pid) in uids or f"{tmpdir}/kmeans-worker-".encode() in cmdline
    return count


def _uid(pid):
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


@pytest.fixture(scope="module")
def planted():
    """A correct implementation planted in a world-readable folder outside the project."""
    folder = Path("/tmp/kmeans-planted")
    folder.mkdir(exist_ok=True)
    folder.chmod(0o755)
    build("correct_broadcast.py", folder).rename(folder / "correct_planted.py")
    (folder / "correct_planted.py").chmod(0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


WINDOW = 8  # consecutive bytes of a hidden image that must never appear in results.json


@functools.lru_cache(maxsize=1)
def hidden_image_windows() -> frozenset:
    """Every run of WINDOW consecutive bytes of the hidden images, as stored (PNG) and as
    decoded pixels, but those of fewer than four different values (which plain text has too)."""
    from PIL import Image

    windows = set()
    for path in sorted((paths.PACKAGE / "hidden_data").glob("*.png")):
        with Image.open(path) as image:
            pixels = image.convert("RGB").tobytes()
        for data in (path.read_bytes(), pixels):
            windows.update(data[i:i + WINDOW] for i in range(len(data) - WINDOW + 1)
                           if len(set(data[i:i + WINDOW])) >= 4)
    return frozenset(windows)


def hidden_bytes_in(text: str) -> str | None:
    """Where ``text`` carries WINDOW consecutive bytes of a hidden image: as characters (UTF-8
    or Latin-1), as hexadecimal, or as a run of numbers; None if nowhere."""
    windows = hidden_image_windows()
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    forms = {"UTF-8": text.encode("utf-8", "surrogatepass"),
             "Latin-1": text.encode("latin-1", "replace"),
             "numbers": bytes(n if n < 256 else 0 for n in numbers)}
    for run in re.findall(r"[0-9a-fA-F]{%d,}" % (2 * WINDOW), text):
        for start in (0, 1):
            forms[f"hex {run[:16]}..."] = bytes.fromhex(run[start:][:len(run[start:]) // 2 * 2])
    for form, data in forms.items():
        for i in range(len(data) - WINDOW + 1):
            if data[i:i + WINDOW] in windows:
                return f"{form}, at {i}: {data[i:i + WINDOW]!r}"
    return None


def run_golden(name: str, folder: Path, **grader) -> dict:
    """Grade a golden (with the listeners and files its header needs); check what its header
    says; return the results."""
    spec = header(GOLDEN / name)
    assert spec["expect"], f"{name} states no expected score"
    for path in spec["never"]:
        Path(path).unlink(missing_ok=True)
    listener = Listener(48123) if name in ("hostile_network.py", "hostile_udp.py") else None
    submission = build(name, folder)
    folder.chmod(0o777)
    submission.chmod(0o644)
    tmpdir = folder / "tmp"  # the grader's temporary folders: its workers' are found by it
    tmpdir.mkdir(mode=0o777)
    tmpdir.chmod(0o777)
    grader["env"] = dict(grader.get("env") or {}, TMPDIR=str(tmpdir))
    try:
        done = grade_cli(submission, folder / "results.json", **grader)
    finally:
        if listener:
            listener.close()
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    written = (folder / "results.json").read_text()
    results = json.loads(written)
    assert_gradescope_schema(results)
    for text in [written, results["output"]] + [t["output"] for t in results["tests"]]:
        carried = hidden_bytes_in(text)
        assert carried is None, f"results.json carries bytes of a hidden image ({carried})"
    functions = results["extra_data"]["functions"]
    for function, wanted in spec["expect"].items():
        got, full = functions[function]["score"], functions[function]["max_score"]
        if wanted == "full":
            failing = [f"{t['name']}: {t['output']}" for t in results["tests"]
                       if t["name"].startswith(function) and t["score"] < t["max_score"]]
            assert got == full, f"{function} should get full marks:\n" + "\n".join(failing)
        elif wanted == "0":
            assert got == 0, f"{function} should get 0, got {got} of {full}"
        elif wanted.replace(".", "", 1).isdigit():  # exactly these points
            assert got == float(wanted), f"{function} should get {wanted} of {full}, got {got}"
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
    for path in spec["never"]:
        assert not os.path.exists(path), f"{path} was written from inside the sandbox"
    assert sandbox_processes(done.pid, str(tmpdir)) == 0, "sandbox processes outlived grading"
    assert not list(tmpdir.iterdir()), "the grader left temporary folders behind"
    for test in results["tests"]:  # nothing a student reads reveals the reference's code
        assert "BEGIN SOLUTION" not in test["output"] and "_BLOCK_ENTRIES" not in test["output"]
    return results


@pytest.mark.parametrize("name", FILES)
def test_golden_submission(name, tmp_path, planted):
    """Every golden, in the strongest isolation this machine has (bubblewrap in CI)."""
    run_golden(name, tmp_path)


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


# -- Every isolation mode, forced ---------------------------------------------------------------
# The hostile goldens, the new attacks and the correct ones, graded in each mode the grader can be
# forced into here. A worker under a uid of its own must be able to run the grader's Python, so
# these run the grader from a world-readable copy of the project with a virtual environment made
# from the system's Python (as a Gradescope or Docker image has it); the project's own .venv may
# live where other users cannot enter (under /root, say).

CONTAINED = sorted(name for name in FILES if name.startswith(("hostile_", "memory_children"))
                   or name in ("correct_broadcast.py", "correct_loops.py"))
# (Forged replies, crashes and refused forks meet the same code in every mode: the goldens above
# grade them in the strongest one.)
MODES = {
    "landlock-own-uid": dict(sandbox="landlock", as_user=False),
    "landlock-same-uid": dict(sandbox="landlock", as_user=True),
    "bubblewrap-not-root": dict(sandbox="bubblewrap", as_user=True),
}


@pytest.fixture(scope="module")
def reachable(tmp_path_factory):
    """A world-readable copy of the project and a venv any user can run: (python, project)."""
    if os.geteuid() != 0:
        pytest.skip("forcing the other uids needs root")
    system = shutil.which("python3", path="/usr/bin:/bin")
    version = subprocess.run([system or "false", "-c", "import sys; print(sys.version_info >= "
                              "(3, 11))"], capture_output=True, text=True).stdout.strip()
    if version != "True":
        pytest.skip("no system Python 3.11+ to build a venv every user can run")
    top = Path(tempfile.mkdtemp(prefix="kmeans-reachable-"))
    top.chmod(0o755)
    project = top / "project"
    ignore = shutil.ignore_patterns("__pycache__", ".venv", "*.egg-info", ".git", "out")
    for folder in ("autograder", "assignment", "solutions", "data"):
        shutil.copytree(paths.ROOT / folder, project / folder, ignore=ignore)
    from importlib.metadata import version as installed

    pins = [f"{name}=={installed(name)}" for name in ("numpy", "pillow", "matplotlib", "pytest")]
    made = subprocess.run([system, "-m", "venv", str(top / "venv")], capture_output=True)
    pip = subprocess.run([str(top / "venv/bin/pip"), "install", "-q", *pins],
                         capture_output=True, text=True)
    if made.returncode or pip.returncode:
        pytest.skip(f"could not build the shared venv: {made.stderr}{pip.stderr[-500:]}")
    for path in [top, *top.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | (0o755 if path.is_dir() else 0o644))
    yield top / "venv/bin/python", project
    shutil.rmtree(top, ignore_errors=True)


@pytest.mark.parametrize("name", CONTAINED)
@pytest.mark.parametrize("mode", MODES)
def test_contained_in_every_mode(mode, name, reachable, planted, tmp_path):
    """Each attack is contained, and each correct submission graded full, in every mode."""
    python, project = reachable
    setting = MODES[mode]
    folder = Path(tempfile.mkdtemp(prefix="kmeans-mode-"))
    folder.chmod(0o777)
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] \
        if setting["as_user"] else []
    env = {"KMEANS_SANDBOX": setting["sandbox"], "HOME": str(folder)}
    try:
        results = run_golden(name, folder, python=str(python), prefix=prefix, cwd=project,
                             env=env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert results["extra_data"]["isolation"] == setting["sandbox"]
    layers = results["extra_data"]["layers"]
    assert "seccomp" in layers and any(layer.startswith("landlock") for layer in layers)
    assert ("own uid" in layers) == (not setting["as_user"])


# -- A Python installation closed to other users (under /root) -------------------------------------
# The worker must start as root to load such a Python, and leaves uid 0 for a uid of its own before
# any student code: the correct goldens (np.linalg.norm and np.random.default_rng among them, which
# numpy imports lazily) keep full marks, and the one that reports its uid and attacks the staged
# files it could touch as root is refused, in the modes without namespaces.

CLOSED = sorted(name for name in FILES if name.startswith("correct_")) + ["hostile_root_files.py"]


@pytest.mark.parametrize("name", CLOSED)
@pytest.mark.parametrize("mode", ["landlock", "process"])
def test_a_closed_python_never_runs_student_code_as_root(mode, name, planted, tmp_path):
    from autograder.sandbox.installation import python_unreadable

    if os.geteuid() != 0 or python_unreadable() is None:
        pytest.skip("needs root and a Python installation closed to other users")
    results = run_golden(name, tmp_path, env={"KMEANS_SANDBOX": mode})
    assert results["extra_data"]["isolation"] == mode
    layers = results["extra_data"]["layers"]
    assert "own uid" in layers and "grader's uid" not in layers
    assert "seccomp" in layers and any(x.startswith("landlock") for x in layers) == (
        mode == "landlock")


def test_neighbours_cannot_change_a_grade(tmp_path, planted):
    """A correct loop-style submission batched beside CPU and memory hogs gets full marks, as
    it does alone: calls are budgeted in the CPU time each submission itself used."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("correct_loops.py", "busy_threads.py", "memory_children.py"):
        (folder / name).mkdir()
        build(name, folder / name)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(folder), "--out",
                           str(out), "--jobs", "3"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    graded = {path.parent.name: json.loads(path.read_text())
              for path in out.rglob("results.json")}
    loops = graded["correct_loops"]
    assert loops["score"] == sum(t["max_score"] for t in loops["tests"]), [
        f"{t['name']}: {t['output']}" for t in loops["tests"] if t["score"] < t["max_score"]]
    assert set(graded) == {"correct_loops", "busy_threads", "memory_children"}
