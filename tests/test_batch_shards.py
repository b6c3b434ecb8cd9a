"""Shards: concurrent array-job processes grade disjoint parts of a class into one OUTDIR; a merge
gives exactly the gradebook of a single batch."""

import os
import signal
import subprocess
import sys
import time

import pytest

from autograder import batch, lms, paths
from autograder.batch.intake import shard_of

sys.path.insert(0, str(paths.ROOT / "examples"))
import make_sample_class as sample  # noqa: E402

GENERATED = 40
SHARD_VARIABLES = ("JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID")


def generated_student(i: int) -> str:
    """Cheap to grade: a syntax error, the bare stub, or the stub with one function done."""
    stub = paths.STUB.read_text()
    if i % 3 == 0:
        return stub + f"\ndef broken_{i}(:\n"
    if i % 3 == 1:
        return stub + f"\n# student {i}\n"
    golden = (paths.ROOT / "tests" / "golden" / "correct_broadcast.py").read_text()
    function = "def find_closest_centroids" + golden.split("def find_closest_centroids")[1]
    return stub + "\n\n" + function.split("\ndef ")[0] + f"\n# student {i}\n"


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    folder = sample.make(tmp_path_factory.mktemp("shards") / "class")
    for i in range(GENERATED):
        (folder / f"student_{i:02d}.py").write_text(generated_student(i), encoding="utf-8")
    return folder


def command(submissions, out, *extra):
    return [sys.executable, "-m", "autograder", "batch", str(submissions), "--out", str(out),
            *extra]


def environment(**variables):
    clean = {k: v for k, v in os.environ.items() if k not in SHARD_VARIABLES}
    return {**clean, **variables}


def results_in(out):
    return {p.parent.name: p.stat().st_mtime_ns for p in (out / "students").glob("*/results.json")}


def test_three_concurrent_shards_then_a_merge_equal_a_single_batch(submissions, tmp_path):
    single, sharded = tmp_path / "single", tmp_path / "sharded"
    # The single batch runs meanwhile: its slow student waits on a timeout, not on a core.
    whole = subprocess.Popen(command(submissions, single, "--jobs", "3"), env=environment(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = [
        subprocess.Popen(command(submissions, sharded, "--shard", "3", "--jobs", "1"),
                         env=environment(JOB_COMPLETION_INDEX="0"), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True),
        subprocess.Popen(command(submissions, sharded, "--shard", "3", "--jobs", "1"),
                         env=environment(SLURM_ARRAY_TASK_ID="1"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    killed = subprocess.Popen(command(submissions, sharded, "--shard", "2/3", "--jobs", "1"),
                              env=environment(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    mine = [k for k in lms.read_class(submissions)[1] if shard_of(k.key, 3) == 2]
    deadline = time.monotonic() + 300
    while sum(k.key in results_in(sharded) for k in mine) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    killed.kill()  # mid-way, as a preempted array task is
    killed.wait()
    outputs = [p.communicate(timeout=600) for p in started]
    assert [p.returncode for p in started] == [0, 0], outputs
    assert "shard 0/3 of a class of 50" in outputs[0][1]
    assert "shard 1/3 of a class of 50" in outputs[1][1]
    # Every student graded by at most one shard: the graded ones are exactly shards 0 and 1
    # plus what shard 2 finished before it was killed.
    before = results_in(sharded)
    done_by_2 = {k.key for k in mine} & set(before)
    assert 3 <= len(done_by_2) < len(mine)
    merged = subprocess.run([sys.executable, "-m", "autograder", "batch", "--merge",
                             str(sharded)], capture_output=True, text=True, timeout=600)
    assert merged.returncode == 0, merged.stderr
    assert f"not graded yet ({len(mine) - len(done_by_2)})" in merged.stdout
    # The killed shard, run again, grades only its rest.
    rerun = subprocess.run(command(submissions, sharded, "--shard", "2/3", "--jobs", "2"),
                           env=environment(), capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"grading {len(mine) - len(done_by_2)} of {len(mine)} submissions" in rerun.stderr
    after = results_in(sharded)
    assert len(after) == len(sample.CLASS) + GENERATED
    assert {k: after[k] for k in before} == before  # nothing graded twice
    merged = subprocess.run([sys.executable, "-m", "autograder", "batch", "--merge",
                             str(sharded)], capture_output=True, text=True, timeout=600)
    assert merged.returncode == 0 and "not graded yet" not in merged.stdout, merged.stdout
    _, errors = whole.communicate(timeout=600)
    assert whole.returncode == 0, errors
    rows = (sharded / "grades.csv").read_text().splitlines()
    assert rows == (single / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(sample.CLASS) + GENERATED
    for name in ("summary.png", "similarity.html"):
        assert (sharded / name).is_file()


def test_shards_are_stable_when_the_class_grows_and_split_it_evenly():
    keys = [f"student_{i:04d}" for i in range(3000)]
    before = {k: shard_of(k, 4) for k in keys[:2000]}
    assert {k: shard_of(k, 4) for k in keys[:2000]} == before
    counts = [sum(shard_of(k, 4) == i for k in keys) for i in range(4)]
    assert all(650 <= c <= 850 for c in counts), counts


def test_the_shard_index_comes_from_the_engine_when_not_given():
    assert batch.parse_shard("1/4", {}) == (1, 4)
    assert batch.parse_shard("4", {"JOB_COMPLETION_INDEX": "3"}) == (3, 4)
    assert batch.parse_shard("4", {"SLURM_ARRAY_TASK_ID": "2"}) == (2, 4)
    assert batch.parse_shard("4", {"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "2"}) == (2, 4)
    for text, environ, message in [("4", {}, "needs the shard index"),
                                   ("4/4", {}, "not between 0 and 3"),
                                   ("4", {"JOB_COMPLETION_INDEX": "x"}, "is not a shard index"),
                                   ("a/b", {}, "must be I/N")]:
        with pytest.raises(batch.BatchError, match=message):
            batch.parse_shard(text, environ)


def test_the_deploy_files_run_the_same_command(tmp_path):
    """The SLURM script grades its shard as an array task would; the Kubernetes manifest is an
    Indexed Job whose --shard count is its completions."""
    import yaml

    job = yaml.safe_load((paths.ROOT / "deploy" / "kubernetes-indexed-job.yaml").read_text())
    spec = job["spec"]
    command = spec["template"]["spec"]["containers"][0]["command"]
    assert spec["completionMode"] == "Indexed"
    assert command[:4] == ["python", "-m", "autograder", "batch"]
    assert command[command.index("--shard") + 1] == str(spec["completions"])
    submissions = tmp_path / "class"
    submissions.mkdir()
    (submissions / "amy.py").write_text("def f(:\n")
    done = subprocess.run(["bash", str(paths.ROOT / "deploy" / "slurm-array.sh"), str(submissions),
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=300,
                          env=environment(PYTHON=sys.executable, SHARDS="1",
                                          SLURM_ARRAY_TASK_ID="0", SLURM_CPUS_PER_TASK="1"))
    assert done.returncode == 0, done.stderr
    assert "shard 0/1 of a class of 1" in done.stderr
    assert (tmp_path / "out" / "students" / "amy" / "results.json").is_file()
