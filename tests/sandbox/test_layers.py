"""The layers the modes use, each alone in a process of its own (as the worker applies them)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandbox import bubblewrap, client, landlock, limits, seccomp

LAYERS = Path(limits.__file__).resolve().parent


def in_child(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python with the layer files importable, as the worker has them."""
    prelude = f"import sys; sys.path.insert(0, {str(LAYERS)!r})\n"
    return subprocess.run([sys.executable, "-I", "-c", prelude + code], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.skipif(not landlock.abi_version(), reason="this kernel has no Landlock")
def test_landlock_allows_only_the_trees_it_is_given(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "other.txt").write_text("x")
    done = in_child(f"""
import landlock, os
landlock.restrict([{sys.prefix!r}, {sys.base_prefix!r}, "/usr", "/lib", "/lib64"],
                  [{str(tmp_path / "mine")!r}])
open({str(tmp_path / "mine" / "ok.txt")!r}, "w").write("fine")
for path in ({str(tmp_path / "other.txt")!r}, "/etc/passwd"):
    try:
        open(path).read()
        print("read", path)
    except PermissionError:
        print("refused")
""")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["refused", "refused"]
    assert (tmp_path / "mine" / "ok.txt").read_text() == "fine"


@pytest.mark.skipif(not seccomp.supported(), reason="no system call table here")
def test_seccomp_refuses_sockets_processes_and_exec():
    done = in_child("""
import os, socket, seccomp
seccomp.install()
for attempt in (lambda: socket.socket(), os.fork, lambda: os.execv("/bin/true", ["true"]),
                os.setsid):
    try:
        attempt()
        print("allowed")
    except OSError as error:
        print(error.errno)
""")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1"] * 4  # EPERM


def test_limits_are_applied_before_anything_and_cannot_be_raised():
    done = in_child("""
import limits, resource
limits.apply({"RLIMIT_AS": 1 << 30, "RLIMIT_NOFILE": 64}, None)
print(resource.getrlimit(resource.RLIMIT_NOFILE))
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))
    print("raised")
except ValueError:
    print("refused")
try:
    bytearray(2 << 30)
except MemoryError:
    print("no memory")
""")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["(64, 64)", "refused", "no memory"]


def test_the_bubblewrap_command_mounts_what_the_worker_needs_read_only(tmp_path):
    if bubblewrap.unavailable():
        pytest.skip(bubblewrap.unavailable())
    stage = tmp_path / "stage"
    stage.mkdir()
    command = bubblewrap.command(["python", "worker.py"], ["/usr"], str(stage), 1 << 20,
                                 None, {"A": "b"})
    joined = " ".join(command)
    assert "--unshare-net" in command and "--unshare-pid" in command
    assert f"--ro-bind {stage} {stage}" in joined and "--ro-bind /usr /usr" in joined
    assert f"--size {1 << 20} --tmpfs /tmp" in joined and "--setenv A b" in joined
    assert command[-2:] == ["python", "worker.py"] and "--clearenv" in command


def test_bubblewrap_is_unavailable_without_bwrap(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "bwrap is not installed" in bubblewrap.unavailable()


def test_a_uid_of_its_own_per_worker_from_the_sandbox_range():
    uids = limits.uids_of(os.getpid(), 3)
    assert len(set(uids)) == 3 and all(u in limits.SANDBOX_UIDS for u in uids)


def test_a_notebook_comes_back_as_data_for_the_caller_to_word():
    import json

    import nbformat

    from autograder.sandbox import notebook

    cells = ["def double(x):\n    return 2 * x", "if True print(1)", "data = open('none.csv')"]
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    module = {"__name__": "victim"}
    notes, text = notebook.run(nbformat.writes(book).encode(), "nb.ipynb", module, ["double"])
    assert module["double"](4) == 8 and "def double" in text
    # cells named as Jupyter shows them (no execution counts here: the n-th code cell)
    assert notes == [{"what": "skipped", "cell": "the 2nd code cell", "line": 1, "names": []},
                     {"what": "dropped", "cell": "the 3rd code cell", "line": 1,
                      "raised": "FileNotFoundError", "names": ["data"]}]
    with pytest.raises(notebook.NotebookError) as error:
        notebook.run(nbformat.writes(book).encode(), "nb.ipynb", {}, ["triple"])
    assert json.loads(str(error.value)) == {"what": "none defined", "expected": ["triple"]}
    with pytest.raises(notebook.NotebookError) as error:
        notebook.run(b"\xff", "nb.ipynb", {})
    assert json.loads(str(error.value)) == {"what": "not utf-8"}


def test_the_staged_bytecode_is_what_the_worker_imports_and_only_beside_its_source(tmp_path):
    for name, data in client.LAYERS.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
    check = f"""
import importlib.machinery, sys
def refuse(*args, **kwargs):
    raise SystemExit("compiled from source")
for name in ("protocol", "limits", "landlock", "seccomp", "notebook"):
    loader = importlib.machinery.SourceFileLoader(name, {str(tmp_path)!r} + "/" + name + ".py")
    loader.source_to_code = refuse
    loader.get_code(name)
print("from bytecode")
"""
    done = subprocess.run([sys.executable, "-I", "-B", "-S", "-c", check], capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.strip() == "from bytecode", done.stderr
    with open(tmp_path / "protocol.py", "a") as handle:  # another source: its hash differs
        handle.write("\n")
    done = subprocess.run([sys.executable, "-I", "-B", "-S", "-c", check], capture_output=True,
                          text=True, timeout=60)
    assert "compiled from source" in done.stderr
