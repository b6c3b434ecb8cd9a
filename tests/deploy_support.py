"""What the engine tests (test_image.py, test_slurm.py) share: installing the engine's Debian
packages when the suite runs as root and they are missing, and the plain batch a sharded run is
compared with."""

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import paths

sys.path.insert(0, str(paths.ROOT / "examples"))
import make_sample_class as sample  # noqa: E402

SHARD_VARIABLES = ("JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID")


def ensure_packages(commands: dict) -> str | None:
    """Install with apt-get the Debian package of each missing command ({command: package}),
    when root with apt-get. None when every command is there, else why not (one line)."""
    missing = {c: p for c, p in commands.items() if not shutil.which(c)}
    if not missing:
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return f"{', '.join(missing)} missing, and installing them needs root and apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-qq"],
                 ["apt-get", "install", "-y", "-qq", *sorted(set(missing.values()))]):
        done = subprocess.run(step, capture_output=True, text=True, env=env, timeout=1800)
        if done.returncode != 0:
            return f"{' '.join(step)} failed: {done.stderr.strip().splitlines()[-1:]}"
    still = [c for c in missing if not shutil.which(c)]
    return f"{', '.join(still)} still missing after apt-get install" if still else None


def environment(**variables) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in SHARD_VARIABLES}
    return {**clean, **variables}


@functools.lru_cache(maxsize=1)
def sample_class() -> Path:
    """The class examples/make_sample_class.py assembles, once per session."""
    folder = Path(tempfile.mkdtemp(prefix="engine-class-")) / "class"
    done = subprocess.run([sys.executable, str(paths.ROOT / "examples" / "make_sample_class.py"),
                           str(folder)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return folder


@functools.lru_cache(maxsize=1)
def plain_batch() -> Path:
    """A single-machine batch of sample_class(), once per session: the gradebook sharded runs
    must equal. Returns its OUTDIR."""
    out = sample_class().parent / "single"
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(sample_class()),
                           "--out", str(out)], capture_output=True, text=True, timeout=1200,
                          env=environment())
    assert done.returncode == 0, done.stderr
    return out
