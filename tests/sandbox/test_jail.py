"""The jail attacked directly, without the grader around it: a module of attacks behind a
Sandbox in each mode, forced. What it may do differs by mode (the process mode reads this
machine's files, which is why it warns); what no mode allows is the same everywhere."""

import os
from pathlib import Path

import numpy
import pytest

from autograder import sandbox
from autograder.sandbox import modes

ATTACKS = b'''
import os, socket

def read(path):
    try:
        with open(path, "rb") as handle:
            handle.read(1)
        return "read"
    except OSError as error:
        return type(error).__name__

def write(path):
    try:
        with open(path, "w") as handle:
            handle.write("x")
        return "wrote"
    except OSError as error:
        return type(error).__name__

def connect():
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        return "socket"
    except OSError as error:
        return type(error).__name__

def spawn():
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        return "forked"
    except OSError as error:
        return type(error).__name__

def signal_parent():
    try:
        os.kill(os.getppid(), 0)
        return "reached"
    except OSError as error:
        return type(error).__name__

def scratch():
    with open("note.txt", "w") as handle:
        handle.write("mine")
    return os.getcwd()

def who():
    return [__name__, __file__, os.getuid()]

def exit_with(status):
    os._exit(status)

def crash():
    import ctypes
    ctypes.string_at(0)
'''

MODES = [name for name in sandbox.MODES if not modes.by_name(name).unavailable()]
PYTEST = str(Path(pytest.__file__).resolve().parent)  # hidden though inside site-packages


@pytest.fixture(scope="module", params=MODES)
def box(request, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("the grader's")
    isolation = sandbox.detect(forced=request.param)
    module = sandbox.Module(ATTACKS, name="victim")
    with sandbox.Sandbox(module, isolation, hidden=[PYTEST], prefix="jail-test-") as box:
        loaded = box.start()
        assert isinstance(loaded, sandbox.Loaded), loaded
        box.outside = outside
        yield box


def call(box, name, *args):
    outcome = box.call(name, args)
    assert isinstance(outcome, sandbox.Returned), outcome
    return outcome.value


def test_the_module_runs_under_the_callers_name_from_a_staging_folder_of_its_prefix(box):
    name, path, uid = call(box, "who")
    assert name == "victim"
    assert Path(path).parent.name.startswith("jail-test-")
    assert (uid != os.getuid()) == box.isolation.own_uid


def test_no_mode_lets_it_make_a_socket_fork_or_signal_the_grader(box):
    assert call(box, "connect") == "PermissionError"
    assert call(box, "spawn") == "PermissionError"
    assert call(box, "signal_parent") == "PermissionError"


def test_it_writes_in_its_scratch_folder(box):
    folder = call(box, "scratch")
    assert folder == ("/tmp" if box.isolation.name == "bubblewrap" else
                      str(Path(box.process.stage) / "scratch"))


def test_it_reads_none_of_the_graders_files_but_in_the_process_mode(box):
    secret, passwd = str(box.outside / "secret.txt"), "/etc/passwd"
    if box.isolation.name == "process":
        assert call(box, "read", passwd) == "read"  # why this mode warns
        return
    assert call(box, "read", secret) in ("PermissionError", "FileNotFoundError")
    assert call(box, "read", passwd) in ("PermissionError", "FileNotFoundError")
    assert call(box, "write", str(box.outside / "planted.txt")) in ("PermissionError",
                                                                    "FileNotFoundError")
    assert not (box.outside / "planted.txt").exists()


def test_it_can_change_none_of_its_own_staged_files_nor_their_bytecode(box):
    if box.isolation.name == "process" and not box.isolation.own_uid:
        pytest.skip("the process mode under the grader's uid guards no file of that uid")
    stage = Path(box.process.stage)
    staged = [stage / "protocol.py", *sorted((stage / "__pycache__").iterdir())]
    assert len(staged) > 4  # the modules the worker imports, each with its bytecode
    for path in staged:
        assert call(box, "write", str(path)) in ("PermissionError", "FileNotFoundError",
                                                 "OSError"), path
    assert call(box, "write", str(stage / "__pycache__" / "new.pyc")) != "wrote"


def test_hidden_folders_are_unreadable_even_inside_the_python_installation(box):
    if box.isolation.name == "process":
        pytest.skip("the process mode hides nothing")
    assert call(box, "read", str(Path(numpy.__file__))) == "read"
    assert call(box, "read", os.path.join(PYTEST, "__init__.py")) in ("PermissionError",
                                                                       "FileNotFoundError")


def test_its_exit_status_and_its_death_by_signal_are_told_apart(box):
    exited = box.call("exit_with", (3,))
    assert isinstance(exited, sandbox.Died) and (exited.status, exited.signal) == (3, None)
    crashed = box.call("crash")
    assert isinstance(crashed, sandbox.Died) and crashed.signal == "SIGSEGV"
    assert call(box, "connect") == "PermissionError"  # a fresh worker, the same jail


def test_nothing_is_left_running_or_staged_when_it_is_stopped(tmp_path):
    isolation = sandbox.detect(forced=MODES[-1])
    with sandbox.Sandbox(sandbox.Module(ATTACKS), isolation, prefix="jail-stop-") as box:
        box.start()
        stage, popen = box.process.stage, box.process.popen
    assert box.process is None and popen.returncode is not None
    assert not stage.exists()


IMPORTS = b'''
import importlib, json  # the standard library is always there
import numpy

def attempts():
    found = []
    for attempt in (lambda: __import__("nbformat"), lambda: importlib.import_module("nbformat"),
                    lambda: __import__("nbformat.v4", fromlist=["new_notebook"])):
        try:
            attempt()
            found.append("imported")
        except ModuleNotFoundError as error:
            found.append(str(error))
    return found
'''


@pytest.mark.parametrize("mode", MODES)
def test_the_module_imports_only_what_it_is_allowed_whatever_the_installation_holds(mode):
    """nbformat is installed beside the grader (the test extras): a module allowed only numpy
    (and the standard library) finds it missing three ways; allowed anything, it finds it (and
    imports it where the installation is readable; a worker that left root, with a Python
    others cannot read, fails only inside it, on what was not imported before it left), so what
    refuses it is the allowance, not the installation."""
    isolation = sandbox.detect(forced=mode)
    runs = {}
    for importable in (("numpy",), None):
        module = sandbox.Module(IMPORTS, name="kmeans", importable=importable)
        with sandbox.Sandbox(module, isolation, prefix="jail-test-") as box:
            assert isinstance(box.start(), sandbox.Loaded)
            runs[importable] = call(box, "attempts")
    assert runs[("numpy",)] == ["No module named 'nbformat'"] * 3
    assert "nbformat" not in " ".join(runs[None])
    if mode == "bubblewrap":
        assert runs[None] == ["imported"] * 3
