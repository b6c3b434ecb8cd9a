"""What a hidden check lets out, and what a patched harness can hide, in every isolation mode.

Two hostile goldens, graded in each mode forced with KMEANS_SANDBOX (run_golden checks their
headers, and that no results.json of any golden carries 8 consecutive bytes of a hidden image,
as stored or as pixels, in characters, hex or numbers): one keeps the hidden images and
smuggles their bytes through every channel a call has; one modifies its inputs and patches the
worker's harness to report them unchanged, and still loses the points for it.
"""

import pytest

from test_seccomp import check_layers, forced, golden

MODES = ["bubblewrap", "landlock", "process"]


@pytest.mark.parametrize("mode", MODES)
def test_hidden_image_bytes_never_reach_the_results(mode, tmp_path):
    results = golden.run_golden("hostile_smuggle_hidden.py", tmp_path, env=forced(mode))
    check_layers(results, mode)
    hidden = [t for t in results["tests"] if not t["name"].startswith("compress_image: a ")
              and t["score"] < t["max_score"] and "hidden check" in t["output"]]
    assert hidden, "the smuggling golden should fail hidden checks, worded as hidden"


@pytest.mark.parametrize("mode", MODES)
def test_a_patched_harness_cannot_hide_a_modified_input(mode, tmp_path):
    results = golden.run_golden("hostile_hide_mutation.py", tmp_path, env=forced(mode))
    check_layers(results, mode)
    said = {t["name"]: t["output"] for t in results["tests"]}
    assert "changed one of its array arguments" in said[
        "find_closest_centroids: X and centroids are not modified (50 points, K = 3)"]


PIN = b'''
import mmap, os

def pin(x):
    """Finds the grader's memory file of inputs and writes into all of it, beyond its inputs."""
    for fd in range(3, 256):  # /proc/self/fd may be hidden: every descriptor it may hold
        try:
            size = os.fstat(fd).st_size
            if size < 32 << 20:
                continue
            for start in range(0, size, 32 << 20):  # a piece at a time, under its own limit
                piece = mmap.mmap(fd, 32 << 20, offset=start)
                for page in range(0, 32 << 20, mmap.PAGESIZE):
                    piece[page] = 1
                piece.close()
        except (OSError, ValueError):
            continue
    x[0] = 2.0
    return x.sum()
'''


@pytest.mark.parametrize("mode", MODES)
def test_what_a_worker_writes_into_the_inputs_file_is_given_back_after_the_call(mode):
    """The worker holds the inputs' memory file: pages it writes there are outside its own
    memory limit, so the grader gives every page back after each call; the change to its
    argument is still seen, by the grader."""
    import os

    import numpy as np

    from autograder import sandbox

    isolation = sandbox.detect(forced=mode)
    with sandbox.Sandbox(sandbox.Module(PIN), isolation, prefix="pin-test-") as box:
        assert isinstance(box.start(), sandbox.Loaded)
        outcome = box.call("pin", (np.zeros(4),), seconds=30)
        assert isinstance(outcome, sandbox.Returned) and outcome.modified == [0], outcome
        held = os.fstat(box.process.inputs.fd).st_blocks * 512
    assert held < (1 << 20), f"{held >> 20} MiB of the inputs' file still held after the call"


def test_stopping_a_worker_kills_a_child_that_left_its_session():
    """Stopping a worker kills its children too, even one in a session of its own that
    outlives its parent (as bubblewrap's pid-namespace init did when a batch was interrupted
    while a worker started): killing the worker's process group alone missed it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from autograder.sandbox import client

    script = ("import os, subprocess, sys, time\n"
              "child = subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
              "print(child.pid, flush=True)\n"
              "time.sleep(300)\n")
    popen = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             start_new_session=True, text=True)
    child = int(popen.stdout.readline())
    assert client.children_of(popen.pid) == [child]

    class Worker:  # what _Process.kill reads
        pass

    worker = Worker()
    worker.popen = popen
    client._Process.kill(worker)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{child}/stat") as handle:  # a zombie until init reaps it: gone too
            if handle.read().split(")")[-1].split()[0] == "Z":
                break
        time.sleep(0.05)
    else:
        os.kill(child, signal.SIGKILL)
        raise AssertionError("the worker's child in a session of its own was left running")
    assert popen.poll() is not None
