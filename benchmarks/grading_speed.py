"""How long grading one submission takes and how much CPU, what each sandbox layer costs, the
grader's memory under hostile replies, and a class's throughput.

Run: `python benchmarks/grading_speed.py [--repeat 3] [--against DIR]`. Each figure grades golden
submissions (tests/golden/, on top of the stub) in a fresh grader process and prints the medians
of its wall time and of its CPU seconds, everything included: the grader, its sandbox's workers
and bubblewrap (a cgroup of the grader's own counts them, where one can be made here; else the
whole machine's busy time, which only a quiet machine makes right). The graders run with Python's
bytecode caches, as an installed package has them (in a folder of the benchmark's own, filled by
one grading first), whatever PYTHONDONTWRITEBYTECODE says.

1. each style of correct submission, a printing one, in the strongest mode here;
2. the same vectorised submission with the sandbox's layers added one by one (bubblewrap
   alone, then Landlock, then seccomp; then the Landlock mode without bubblewrap), side by side;
3. the grader process's peak memory (max RSS) while grading submissions that forge their replies,
   and notebooks made to exhaust a parser (the grader never parses them: the sandbox does);
4. a class of varied submissions (every golden that is correct or a common mistake, in turn)
   graded by `batch` at `--jobs 1` and `--jobs 2`: submissions per minute, CPU seconds per
   submission, and the submissions per minute that CPU allows on this machine's cores when
   nothing else runs (cores x 60 / CPU seconds each: an upper bound a quiet machine comes close
   to, as a batch keeps its cores busy).

With ``--against DIR`` (another checkout of the project, e.g. a worktree of main), every figure of
parts 1, 2 and 4 is measured for that checkout's grader too, in turns with this one's so that both
share the machine's load alike, and printed beside it: before (DIR) and after (this checkout).
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
# Grades with some layers taken off the detected isolation (a benchmark-only knob); detected as
# the checkout's own `grade` detects it (without a probing worker where it has that choice).
GRADE_WITH = """
import dataclasses, json, sys
from autograder import grading, sandbox
try:
    isolation = grading.detect_isolation(probe=False)
except TypeError:
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
# A class: the goldens a class of students writes (correct in each style, each common mistake,
# one that does not load), none that hangs, attacks or floods the machine.
CLASS_PREFIXES = ("correct_", "closest_", "means_", "init_", "compress_", "broken_",
                  "missing_", "none_", "constant_", "always_")
CGROUP_V1 = Path("/sys/fs/cgroup/cpuacct")
CGROUP_V2 = Path("/sys/fs/cgroup")


class Checkout:
    """A checkout of the project whose grader is timed: run from its top folder (so that
    ``python -m autograder`` is its own), with bytecode caches in a folder of the benchmark's."""

    def __init__(self, root: Path, label: str, caches: Path):
        self.root, self.label = root, label
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.pop("PYTHONPATH", None)
        self.env = dict(env, PYTHONPYCACHEPREFIX=str(caches / label))


def _cgroup() -> Path | None:
    """A fresh cgroup whose CPU time can be read (cgroup v1's cpuacct, or v2), or None."""
    name = f"grading-speed-{os.getpid()}-{time.monotonic_ns()}"
    for parent, counter in ((CGROUP_V1, "cpuacct.usage"), (CGROUP_V2, "cpu.stat")):
        if (parent / counter).is_file() or (parent / "cgroup.procs").is_file():
            try:
                (parent / name).mkdir()
            except OSError:
                continue
            if (parent / name / counter).is_file():
                return parent / name
            (parent / name).rmdir()
    return None


def _cgroup_cpu(folder: Path) -> float:
    if (folder / "cpuacct.usage").is_file():
        return int((folder / "cpuacct.usage").read_text()) / 1e9
    usage = dict(line.split() for line in (folder / "cpu.stat").read_text().splitlines())
    return int(usage["usage_usec"]) / 1e6


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (from /proc/stat)."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


CPU_SOURCE = []  # how CPU seconds were counted, said under the tables


def timed(command, checkout: Checkout, env=None) -> tuple[float, float, int, str]:
    """Run ``command`` in ``checkout``; return its wall time, the CPU seconds of it and every
    process it started, its peak memory in MiB and its output."""
    group = _cgroup()
    join = (lambda: (group / "cgroup.procs").write_text(str(os.getpid()))) if group else None
    if not CPU_SOURCE:
        CPU_SOURCE.append(f"a cgroup of its own ({group.parent})" if group else
                          "the whole machine's busy time (/proc/stat): run it quiet")
    busy, start = busy_cpu_seconds(), time.perf_counter()
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   cwd=checkout.root, env=dict(checkout.env, **(env or {})),
                                   preexec_fn=join)
        output = process.stdout.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if group:
            time.sleep(0.05)  # a worker killed at the end may still be leaving
        cpu = _cgroup_cpu(group) if group else busy_cpu_seconds() - busy
    finally:
        if group:
            for _ in range(50):
                try:
                    group.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed:\n{output}")
    return seconds, cpu, usage.ru_maxrss // 1024, output


def grade(name: str, repeat: int, checkouts, env=None, keep=None) -> list[tuple]:
    """Grade golden ``name`` ``repeat`` times with each checkout, in turns; per checkout the
    median wall time, the median CPU seconds, the peak memory and the last output."""
    runs = {c.label: [] for c in checkouts}
    for _ in range(repeat):
        for checkout in checkouts:
            with tempfile.TemporaryDirectory() as folder:
                submission = build(name, Path(folder))
                if keep is None:
                    command = [sys.executable, "-m", "autograder", "grade", str(submission),
                               "--out", str(Path(folder) / "results.json")]
                else:
                    command = [sys.executable, "-c", GRADE_WITH, json.dumps(keep),
                               str(submission)]
                runs[checkout.label].append(timed(command, checkout, env))
    return [(statistics.median(r[0] for r in runs[c.label]),
             statistics.median(r[1] for r in runs[c.label]),
             max(r[2] for r in runs[c.label]), runs[c.label][-1][3]) for c in checkouts]


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


def grade_notebook(text: str, checkout: Checkout) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "attack.ipynb"
        path.write_text(text)
        seconds, _, peak, _ = timed([sys.executable, "-m", "autograder", "grade", str(path),
                                     "--out", str(Path(folder) / "results.json")], checkout)
    return seconds, peak


def class_of(students: int) -> list[str]:
    """``students`` goldens of a class, each kind in turn."""
    kinds = sorted(p.name for p in GOLDEN.glob("*.py") if p.name.startswith(CLASS_PREFIXES))
    return [kinds[number % len(kinds)] for number in range(students)]


def throughput(students: int, jobs: int, checkouts) -> list[tuple[float, float]]:
    """Grade a class of ``students`` varied submissions with ``batch --jobs``, with each
    checkout in turn; per checkout (submissions per minute, CPU seconds per submission)."""
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "class").mkdir()
        for number, name in enumerate(class_of(students)):
            made = build(name, Path(folder))
            (Path(folder) / "class" / f"student{number:03d}.py").write_bytes(made.read_bytes())
        for checkout in checkouts:
            out = Path(folder) / f"out-{checkout.label}"
            seconds, cpu, _, _ = timed([sys.executable, "-m", "autograder", "batch",
                                        str(Path(folder) / "class"), "--out", str(out),
                                        "--jobs", str(jobs)], checkout)
            figures.append((students / seconds * 60, cpu / students))
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--students", type=int, default=60, help="class size for part 4")
    parser.add_argument("--against", metavar="DIR",
                        help="another checkout of the project to measure beside this one")
    parser.add_argument("--only", default="1,2,3,4", help="the parts to run, e.g. 1,4")
    parser.add_argument("--jobs", default="1,2", help="the --jobs of part 4's batches")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as caches:
        checkouts = [Checkout(ROOT, "after" if args.against else "this", Path(caches))]
        if args.against:
            checkouts.insert(0, Checkout(Path(args.against).resolve(), "before", Path(caches)))
        grade("correct_matmul.py", 1, checkouts)  # fills the bytecode caches
        report(args, parts, checkouts)
    cores = os.cpu_count()
    print(f"\nCPU seconds counted by {CPU_SOURCE[0]}; {cores} cores here, load average "
          f"{os.getloadavg()[0]:.1f} at the end.")


def _columns(figures) -> str:
    return "".join(f"{wall:>13.2f}{cpu:>7.2f}" for wall, cpu, *_ in figures)


def report(args, parts, checkouts):
    heads = "".join(f"{c.label + ' wall':>13}{'CPU':>7}" for c in checkouts)
    if "1" in parts:
        print(f"1. Grading one submission ({args.repeat} runs each, medians, seconds)")
        print(f"{'submission':<28}{'style':<34}{heads}")
        for name, style in STYLES:
            print(f"{name:<28}{style:<34}{_columns(grade(name, args.repeat, checkouts))}")
    if "2" in parts:
        print("\n2. The sandbox's layers, added one by one (correct_broadcast.py)")
        print(f"{'layers':<40}{heads}  {'score, mode, layers in force'}")
        for label, mode, keep in LAYERS:
            try:
                figures = grade("correct_broadcast.py", args.repeat, checkouts,
                                {"KMEANS_SANDBOX": mode}, keep)
            except SystemExit as error:
                print(f"{label:<40}{'-':>9}  not available here "
                      f"({str(error).splitlines()[-1]})")
                continue
            print(f"{label:<40}{_columns(figures)}  {figures[-1][3].strip().splitlines()[-1]}")
    if "3" in parts:
        print(f"\n3. The grader's peak memory while grading forged replies ({checkouts[-1].label})")
        print(f"{'submission':<32}{'max RSS MiB':>12}{'seconds':>10}")
        for name in FORGERS:
            seconds, _, peak, _ = grade(name, 1, checkouts[-1:])[0]
            print(f"{name:<32}{peak:>12}{seconds:>10.2f}")
        for label, make in NOTEBOOKS.items():
            seconds, peak = grade_notebook(make(), checkouts[-1])
            print(f"{label:<32}{peak:>12}{seconds:>10.2f}")
    if "4" in parts:
        cores = os.cpu_count()
        print(f"\n4. batch on a class of {args.students} varied submissions "
              f"({len(set(class_of(args.students)))} kinds of golden in turn)")
        print(f"{'--jobs':<8}{'':<10}{'per minute':>12}{'CPU s each':>12}"
              f"{f'per minute on {cores} idle cores':>28}")
        for jobs in map(int, args.jobs.split(",")):
            for checkout, (rate, cpu) in zip(checkouts, throughput(args.students, jobs,
                                                                     checkouts)):
                print(f"{jobs:<8}{checkout.label:<10}{rate:>12.0f}{cpu:>12.2f}"
                      f"{cores * 60 / cpu:>28.0f}")


if __name__ == "__main__":
    assert GOLDEN.is_dir()
    main()
