"""How long grading one submission takes, what each sandbox layer costs, and the grader's memory
under hostile replies.

Run: `python benchmarks/grading_speed.py [--repeat 3]`. Each figure grades a golden submission
(tests/golden/, on top of the stub) in a fresh grader process and prints the median wall time:

1. each style of correct submission, a printing one, in the strongest mode here;
2. the same vectorised submission with the sandbox's layers added one by one (bubblewrap
   alone, then Landlock, then seccomp; then the Landlock mode without bubblewrap), side by side;
3. the grader process's peak memory (max RSS) while grading submissions that forge their replies,
   and notebooks made to exhaust a parser (the grader never parses them: the sandbox does);
4. a class of vectorised submissions graded by `batch` at `--jobs 1` and `--jobs 2`: submissions
   per minute, and CPU seconds per submission (the whole machine's, so run it quiet), so the
   cores a class needs can be computed.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from conftest import GOLDEN, build  # noqa: E402

STYLES = [("correct_broadcast.py", "vectorised: broadcasting"),
          ("correct_matmul.py", "vectorised: matrix product"),
          ("correct_loops.py", "source notebook's loops"),
          ("print_every_iteration.py", "loops, printing every iteration"),
          ("huge_output.py", "prints 100 MB")]
# Grades with some layers taken off the detected isolation (a benchmark-only knob).
GRADE_WITH = """
import dataclasses, json, sys
from autograder import grading, sandbox
isolation = grading.detect_isolation()
keep = set(json.loads(sys.argv[1]))
if keep:
    isolation = dataclasses.replace(isolation, layers=tuple(
        layer for layer in isolation.layers if layer.split()[0] in keep or layer.endswith("uid")))
results = grading.grade(sys.argv[2], isolation=isolation)
print(results["score"], isolation.mode, ",".join(isolation.layers))
"""
LAYERS = [("bubblewrap alone", "bubblewrap", ["bubblewrap"]),
          ("+ Landlock", "bubblewrap", ["bubblewrap", "landlock"]),
          ("+ Landlock + seccomp (the default)", "bubblewrap", []),
          ("Landlock + seccomp, no bubblewrap", "landlock", [])]
FORGERS = ["correct_broadcast.py", "forge_negative_sizes.py", "forge_huge_shape.py",
           "forge_deep_json.py", "forge_wrong_types.py", "huge_output.py"]


def timed(command, env=None) -> tuple[float, int, str]:
    """Run ``command``; return its wall time, its peak memory in MiB and its output."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=dict(os.environ, **(env or {})))
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed:\n{output}")
    return time.perf_counter() - start, usage.ru_maxrss // 1024, output


def grade(name: str, repeat: int, env=None, keep=None) -> tuple[float, int, str]:
    times, peaks = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            submission = build(name, Path(folder))
            if keep is None:
                command = [sys.executable, "-m", "autograder", "grade", str(submission),
                           "--out", str(Path(folder) / "results.json")]
            else:
                command = [sys.executable, "-c", GRADE_WITH, json.dumps(keep), str(submission)]
            seconds, peak, output = timed(command, env)
            times.append(seconds)
            peaks.append(peak)
    return statistics.median(times), max(peaks), output


NOTEBOOKS = {
    "notebook: a 17 MB cell": lambda: _notebook("x = 1\n" + "y = 2\n" * 2_800_000),
    "notebook: JSON 100000 deep": lambda: '{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "notebook: 100000 parentheses": lambda: _notebook(
        "def find_closest_centroids(X, c):\n    return " + "(" * 100_000 + ")" * 100_000),
}


def _notebook(source: str) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": source, "metadata": {}, "outputs": [],
         "execution_count": None}]})


def grade_notebook(text: str) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "attack.ipynb"
        path.write_text(text)
        seconds, peak, _ = timed([sys.executable, "-m", "autograder", "grade", str(path),
                                  "--out", str(Path(folder) / "results.json")])
    return seconds, peak


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (from /proc/stat): a batch's graders are
    forked from a server, not waited for by the batch, so its own rusage misses them."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def throughput(students: int, jobs: int) -> tuple[float, float]:
    """Grade ``students`` copies of a vectorised submission with ``batch --jobs``; return
    (submissions per minute, CPU seconds per submission, machine-wide: run it on a quiet
    machine)."""
    with tempfile.TemporaryDirectory() as folder:
        made = build("correct_matmul.py", Path(folder))
        (Path(folder) / "class").mkdir()
        for number in range(students):
            (Path(folder) / "class" / f"student{number:03d}.py").write_bytes(made.read_bytes())
        cpu, start = busy_cpu_seconds(), time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "autograder", "batch",
                               str(Path(folder) / "class"), "--out", str(Path(folder) / "out"),
                               "--jobs", str(jobs)], capture_output=True)
        seconds, cpu = time.perf_counter() - start, busy_cpu_seconds() - cpu
        if done.returncode != 0:
            raise SystemExit(f"the batch failed:\n{done.stderr.decode()[-2000:]}")
    return students / seconds * 60, cpu / students


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--students", type=int, default=40, help="class size for part 4")
    args = parser.parse_args()
    print(f"1. Grading one submission ({args.repeat} runs each, medians)")
    print(f"{'submission':<28}{'style':<34}{'median s':>10}")
    for name, style in STYLES:
        seconds, _, _ = grade(name, args.repeat)
        print(f"{name:<28}{style:<34}{seconds:>10.2f}")
    print("\n2. The sandbox's layers, added one by one (correct_broadcast.py)")
    print(f"{'layers':<40}{'median s':>10}  {'score, mode, layers in force'}")
    for label, mode, keep in LAYERS:
        try:
            seconds, _, output = grade("correct_broadcast.py", args.repeat,
                                       {"KMEANS_SANDBOX": mode}, keep)
        except SystemExit as error:
            print(f"{label:<40}{'-':>10}  not available here ({str(error).splitlines()[-1]})")
            continue
        print(f"{label:<40}{seconds:>10.2f}  {output.strip().splitlines()[-1]}")
    print("\n3. The grader's peak memory while grading forged replies")
    print(f"{'submission':<32}{'max RSS MiB':>12}{'seconds':>10}")
    for name in FORGERS:
        seconds, peak, _ = grade(name, 1)
        print(f"{name:<32}{peak:>12}{seconds:>10.2f}")
    for label, make in NOTEBOOKS.items():
        seconds, peak = grade_notebook(make())
        print(f"{label:<32}{peak:>12}{seconds:>10.2f}")
    print(f"\n4. batch on {args.students} vectorised submissions (correct_matmul.py)")
    print(f"{'--jobs':<8}{'per minute':>12}{'CPU s each':>12}{'cores per 1000 in an hour':>28}")
    for jobs in (1, 2):
        rate, cpu = throughput(args.students, jobs)
        print(f"{jobs:<8}{rate:>12.0f}{cpu:>12.2f}{1000 * cpu / 3600:>28.2f}")


if __name__ == "__main__":
    assert GOLDEN.is_dir()
    main()
