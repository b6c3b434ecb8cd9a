"""deploy/slurm-array.sh on a real one-node SLURM cluster (slurmctld, slurmd and munged from
Debian's slurm-wlm and munge, installed when root and missing), started and stopped by this
test with its own configuration in a temporary folder. The array and the merge job are
submitted exactly as docs/operators.md says, with only the venv's Python named; the merged
gradebook equals a plain batch of the same class, and a resubmitted task regrades nothing."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import paths
from deploy_support import ensure_packages, environment, plain_batch, sample_class

NODE_MEMORY_MB = 8192  # the script asks for --mem=6G: a node must offer at least that


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(folder: Path) -> str:
    host = socket.gethostname().split(".")[0]
    ctld, slurmd = free_port(), free_port()
    return f"""ClusterName=kmeanstest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld}
SlurmdPort={slurmd}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={folder}/munge/munge.socket
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
NodeName={host} NodeAddr=127.0.0.1 CPUs={max(2, os.cpu_count() or 1)} RealMemory={NODE_MEMORY_MB} State=UNKNOWN
PartitionName=grading Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("a one-node SLURM cluster needs root (slurmd runs the jobs' uids)")
    why = ensure_packages({"slurmctld": "slurmctld", "slurmd": "slurmd", "sbatch": "slurm-client",
                           "munged": "munge"})
    if why:
        pytest.skip(f"SLURM cannot run here: {why}")
    folder = tmp_path_factory.mktemp("slurm")
    (folder / "munge").mkdir(mode=0o700)
    (folder / "state").mkdir()
    (folder / "spool").mkdir()
    key = folder / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    (folder / "slurm.conf").write_text(config(folder))
    env = {**environment(), "SLURM_CONF": str(folder / "slurm.conf")}
    started = []
    try:
        for step in (["munged", f"--key-file={key}", f"--socket={folder}/munge/munge.socket",
                      f"--pid-file={folder}/munge/munged.pid", f"--seed-file={folder}/munge/seed",
                      f"--log-file={folder}/munge/munged.log", "--force"],
                     ["slurmctld", "-f", str(folder / "slurm.conf"), "-i"],
                     ["slurmd", "-f", str(folder / "slurm.conf")]):
            done = subprocess.run(step, capture_output=True, text=True, env=env, timeout=60)
            assert done.returncode == 0, f"{step[0]}: {done.stderr}"
            pidfile = {"munged": folder / "munge" / "munged.pid",
                       "slurmctld": folder / "slurmctld.pid", "slurmd": folder / "slurmd.pid"}[step[0]]
            for _ in range(100):
                if pidfile.is_file() and pidfile.read_text().strip():
                    break
                time.sleep(0.1)
            started.append(int(pidfile.read_text()))
        for _ in range(300):
            state = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True,
                                   env=env).stdout.strip()
            if state == "idle":
                break
            time.sleep(0.2)
        assert state == "idle", (folder / "slurmctld.log").read_text()[-2000:]
        yield env
    finally:
        for pid in reversed(started):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def wait_for_queue(env, timeout=1800):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        queue = subprocess.run(["squeue", "-h"], capture_output=True, text=True, env=env).stdout
        if not queue.strip():
            return
        time.sleep(1)
    raise AssertionError(f"jobs still queued after {timeout} s:\n{queue}")


def test_the_array_then_the_merge_equal_a_plain_batch(cluster, tmp_path):
    """The two sbatch lines of the docs, run from the folder holding the class, with only
    PYTHON naming the venv's Python (nothing activated: PATH has no python of the project)."""
    shutil.copytree(sample_class(), tmp_path / "class")
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv_bin)
    env = {**cluster, "PATH": path, "PYTHON": sys.executable}
    env.pop("VIRTUAL_ENV", None)
    script = paths.ROOT / "deploy" / "slurm-array.sh"
    started = time.monotonic()
    lines = subprocess.run(
        ["bash", "-c", f'jobid=$(sbatch --parsable {script} class out) && echo "$jobid" && '
                       'sbatch --parsable --dependency=afterany:$jobid --wrap '
                       '"$PYTHON -m autograder batch --merge out"'],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert lines.returncode == 0, lines.stderr
    array, merge = lines.stdout.split()
    wait_for_queue(env)
    print(f"\nSLURM array and merge: {time.monotonic() - started:.0f} s")
    for task in range(4):
        log = (tmp_path / f"slurm-{array}_{task}.out").read_text()
        assert f"shard {task}/4 of a class of {len(os.listdir(sample_class()))}" in log, log
    merged = (tmp_path / f"slurm-{merge}.out").read_text()
    assert "not graded yet" not in merged and "gradebook" in merged, merged
    single = plain_batch()
    assert (tmp_path / "out" / "grades.csv").read_bytes() == (single / "grades.csv").read_bytes()
    # A task resubmitted alone grades nothing again.
    graded = {p: p.stat().st_mtime_ns for p in (tmp_path / "out" / "students").glob("*/results.json")}
    again = subprocess.run(["sbatch", "--parsable", "--array=2", str(script), "class", "out"],
                           cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60)
    assert again.returncode == 0, again.stderr
    wait_for_queue(env)
    log = (tmp_path / f"slurm-{again.stdout.strip()}_2.out").read_text()
    assert "grading 0 of" in log or "nothing to grade" in log, log
    assert {p: p.stat().st_mtime_ns for p in graded} == graded
