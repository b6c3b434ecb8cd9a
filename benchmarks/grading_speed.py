"""How long grading one submission takes, for each style of correct submission.

Run: `python benchmarks/grading_speed.py [--repeat 3]`. Grades the golden correct submissions
(tests/golden/correct_*.py on top of the stub) through the real command line and prints the
wall time of each; the targets are about 2 s for a vectorised submission and 15 s for the
source notebook's loop style on a 2-core machine.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from test_golden import GOLDEN, build  # noqa: E402

STYLES = [("correct_broadcast.py", "vectorised: broadcasting", 2.0),
          ("correct_matmul.py", "vectorised: matrix product", 2.0),
          ("correct_loops.py", "source notebook's loops", 15.0)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'submission':<30}{'style':<30}{'median s':>10}{'min s':>8}{'target s':>10}")
    for name, style, target in STYLES:
        times = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as folder:
                submission = build(name, Path(folder))
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission),
                                "--out", str(Path(folder) / "results.json")], check=True,
                               capture_output=True)
                times.append(time.perf_counter() - start)
        print(f"{name:<30}{style:<30}{statistics.median(times):>10.2f}{min(times):>8.2f}"
              f"{target:>10.1f}")


if __name__ == "__main__":
    assert GOLDEN.is_dir()
    main()
