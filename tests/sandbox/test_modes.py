"""Each isolation mode's probe, forced and chosen: a mode is taken only when a real worker of it
says "ready", and one whose worker dies first is passed over, with why, never graded with."""

import importlib
import subprocess
import sys
import time

import pytest
from sandbox_fakes import (FIRST_ONLY, REAL_BWRAP, WITHOUT_SIZE,  # noqa: F401 (fixtures)
                           fake_bwrap, fresh)

from autograder import sandbox
from autograder.sandbox import landlock, modes

detect = importlib.import_module("autograder.sandbox.detect")  # the module, not the function

NEEDS_BWRAP = pytest.mark.skipif(not REAL_BWRAP, reason="bubblewrap is not installed")


def test_the_registry_lists_every_mode_strongest_first():
    assert sandbox.MODES == ("bubblewrap", "landlock", "process")
    assert [mode.name for mode in sandbox.REGISTRY] == list(sandbox.MODES)
    assert all(isinstance(mode, sandbox.Mode) for mode in sandbox.REGISTRY)
    assert modes.by_name("landlock") is sandbox.REGISTRY[1]


@pytest.mark.parametrize("name", sandbox.MODES)
def test_each_mode_forced_is_probed_by_a_real_worker(name, fresh):
    mode = modes.by_name(name)
    if mode.unavailable():
        pytest.skip(f"{name} cannot run here: {mode.unavailable()}")
    isolation = sandbox.detect(forced=name)
    assert isolation.name == name and isolation.mode is mode and isolation.forced
    assert detect._probed[(name, isolation.own_uid)] is None  # a worker said "ready"
    layers = [layer.split()[0] for layer in isolation.layers]
    assert ("bubblewrap" in layers) == (name == "bubblewrap")
    assert ("landlock" in layers) == (name != "process" and landlock.abi_version() > 0)
    assert "seccomp" in layers
    assert isolation.strongest == (name == "bubblewrap")


def test_a_mode_left_out_is_not_taken(fresh):
    isolation = sandbox.detect(without=("bubblewrap",))
    assert isolation.name == ("landlock" if landlock.abi_version() else "process")
    assert not isolation.forced


def test_a_name_that_is_no_mode_is_refused():
    with pytest.raises(ValueError, match="'container' is not a mode"):
        sandbox.detect(forced="container")


@NEEDS_BWRAP
def test_a_bubblewrap_that_runs_true_but_not_a_worker_is_passed_over(fake_bwrap):
    fake_bwrap(WITHOUT_SIZE)
    assert subprocess.run(["bwrap", "--ro-bind", "/", "/", "true"]).returncode == 0  # old probe
    isolation = sandbox.detect()
    assert isolation.name == ("landlock" if landlock.abi_version() else "process")
    assert isolation.passed_over[0][0] == "bubblewrap"
    assert "--size" in isolation.passed_over[0][1]
    assert any(m.startswith("bubblewrap (its worker died before it was ready") and "--size" in m
               for m in isolation.missing)
    with pytest.raises(sandbox.SandboxUnavailable) as error:
        sandbox.detect(forced="bubblewrap")
    assert error.value.mode == "bubblewrap" and "Unknown option --size" in error.value.why


@NEEDS_BWRAP
def test_the_probe_is_made_once_per_process(fake_bwrap):
    log = fake_bwrap('echo run >> "$LOG"\nexec "$REAL" "$@"')
    first = sandbox.detect()
    assert sandbox.detect() is first and sandbox.detect() is first
    assert first.name == "bubblewrap"
    assert log.read_text().count("run") == 1


@NEEDS_BWRAP
def test_a_probe_that_hangs_is_given_up_in_bounded_time(fake_bwrap, monkeypatch):
    fake_bwrap("exec sleep 60")
    real, took = detect._start, {}

    def start(isolation, hidden):  # a short budget for the hanging probe only: the next
        short = isolation.name == "bubblewrap"  # modes' workers load as usual, however busy
        monkeypatch.setattr(detect, "PROBE_SECONDS", 0.5 if short else 10.0)  # the machine
        started = time.monotonic()
        try:
            return real(isolation, hidden)
        finally:
            took[isolation.name] = time.monotonic() - started

    monkeypatch.setattr(detect, "_start", start)
    isolation = sandbox.detect()
    assert took["bubblewrap"] < 10  # given up at 1.5 s of wall-clock time, far short of 60
    assert isolation.name != "bubblewrap"
    assert "did not say it was ready within 0.5 s" in dict(isolation.passed_over)["bubblewrap"]


@NEEDS_BWRAP
def test_a_worker_that_dies_before_ready_while_grading_falls_to_the_next_mode(fake_bwrap):
    fake_bwrap(FIRST_ONLY)  # the probe's worker starts; every later one dies
    isolation = sandbox.detect()
    assert isolation.name == "bubblewrap"
    module = sandbox.Module(b"def double(x):\n    return 2 * x\n", name="victim")
    with sandbox.Sandbox(module, isolation) as box:
        assert isinstance(box.start(), sandbox.Loaded)
        assert box.call("double", (21,)).value == 42
        assert box.isolation.name == ("landlock" if landlock.abi_version() else "process")
        assert "Operation not permitted" in dict(box.isolation.passed_over)["bubblewrap"]
    assert sandbox.detect().name == box.isolation.name  # the rest of the process knows


@NEEDS_BWRAP
def test_a_forced_mode_never_falls_back(fake_bwrap):
    fake_bwrap(FIRST_ONLY)
    isolation = sandbox.detect(forced="bubblewrap")
    with sandbox.Sandbox(sandbox.Module(b""), isolation) as box:
        with pytest.raises(sandbox.NotReady, match="Operation not permitted"):
            box.start()
        assert box.isolation is isolation


def test_reap_kills_what_runs_from_a_folder_and_nothing_else(tmp_path):
    inside = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                               str(tmp_path / "sandbox-worker-x" / "worker.py")])
    outside = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        sandbox.reap(tmp_path)
        assert inside.wait(timeout=5) == -9
        assert outside.poll() is None
    finally:
        outside.kill()
        outside.wait()


def test_prepare_lets_other_uids_pass_through_but_not_list(tmp_path):
    folder = tmp_path / "workers"
    folder.mkdir(mode=0o700)
    sandbox.prepare(folder)
    assert folder.stat().st_mode & 0o777 == 0o711


def test_the_modules_worth_preloading_import():
    for name in sandbox.PRELOAD:
        assert importlib.import_module(name)
    assert "autograder.sandbox" in sandbox.PRELOAD


@pytest.mark.parametrize("code, expected", [(0, 0), (3, 3), (128 + 11, -11), (128 + 9, -9)])
def test_bubblewrap_reports_a_death_by_signal_as_128_plus_n(code, expected):
    assert modes.by_name("bubblewrap").exit_status(code) == expected
    assert modes.by_name("landlock").exit_status(code) == code
