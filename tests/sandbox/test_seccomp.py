"""The seccomp allow-list: what it answers for each call (read from the BPF program itself, on
every architecture it has a table for), what it refuses in a real process, and gradings under it
in every isolation mode that can be forced here: correct submissions get full marks, and a file's
mode, owner, times and attributes cannot be changed even by a worker that kept uid 0."""

import importlib.util
import json
import os
import platform
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import paths
from autograder.sandbox import landlock, seccomp

TESTS = Path(__file__).resolve().parent.parent
CANARY = Path("/tmp/kmeans-golden-canary")  # the file the hostile goldens below attack
ALLOW, EPERM, ENOSYS, KILL = (seccomp.RET_ALLOW, seccomp.RET_ERRNO | 1, seccomp.RET_ERRNO | 38,
                              seccomp.RET_KILL)

# The calls that change a file's metadata, by architecture (the kernel's numbers; aarch64 has no
# chmod, chown, lchown, utime, utimes or futimesat). Every xattr call, get and list included.
METADATA = {
    "x86_64": dict(chmod=90, fchmod=91, fchmodat=268, chown=92, fchown=93, lchown=94,
                   fchownat=260, utime=132, utimes=235, futimesat=261, utimensat=280,
                   setxattr=188, lsetxattr=189, fsetxattr=190, getxattr=191, lgetxattr=192,
                   fgetxattr=193, listxattr=194, llistxattr=195, flistxattr=196, removexattr=197,
                   lremovexattr=198, fremovexattr=199, fchmodat2=452, setxattrat=463),
    "aarch64": dict(fchmod=52, fchmodat=53, fchownat=54, fchown=55, utimensat=88, setxattr=5,
                    lsetxattr=6, fsetxattr=7, getxattr=8, lgetxattr=9, fgetxattr=10,
                    listxattr=11, llistxattr=12, flistxattr=13, removexattr=14,
                    lremovexattr=15, fremovexattr=16, fchmodat2=452, setxattrat=463),
}
# What the previous deny-list refused (a sample per family): still refused.
ONCE_DENIED = {
    "x86_64": dict(socket=41, ptrace=101, mount=165, unshare=272, fork=57, vfork=58, clone=56,
                   execve=59, setsid=112, shmget=29, inotify_init1=294, memfd_create=319,
                   io_uring_setup=425, bpf=321, tkill=200, setpriority=141, seccomp=317),
    "aarch64": dict(socket=198, ptrace=117, mount=40, unshare=97, clone=220, execve=221,
                    setsid=157, shmget=194, inotify_init1=26, memfd_create=279,
                    io_uring_setup=425, bpf=280, tkill=130, setpriority=140, seccomp=277),
}


def verdict(code: bytes, arch: int, nr: int, args=(0, 0)) -> int:
    """Run the BPF program on one system call (the few opcodes it uses), as the kernel would."""
    data = struct.pack("<iIQ6Q", nr, arch, 0, *args, *[0] * (6 - len(args)))
    program = [struct.unpack("HBBI", code[i:i + 8]) for i in range(0, len(code), 8)]
    pc, accumulator = 0, 0
    while True:
        op, jt, jf, k = program[pc]
        if op == seccomp.LD_W_ABS:
            accumulator = struct.unpack_from("<I", data, k)[0]
        elif op in (seccomp.JEQ_K, seccomp.JSET_K):
            hit = accumulator == k if op == seccomp.JEQ_K else bool(accumulator & k)
            pc += jt if hit else jf
        elif op == seccomp.RET_K:
            return k
        else:
            raise AssertionError(f"opcode {op:#x} not interpreted here")
        pc += 1


@pytest.mark.parametrize("machine", sorted(seccomp.ARCHITECTURES))
def test_only_the_listed_calls_are_allowed(machine):
    """Each allowed call is allowed, the metadata calls, the once-denied ones and numbers no
    table knows are refused with EPERM, clone3 answers ENOSYS and a foreign ABI is killed."""
    arch, numbers = seccomp.ARCHITECTURES[machine]
    code = seccomp.program(1234, machine)
    assert len(code) // 8 < 4096  # BPF_MAXINSNS
    assert len(set(numbers.values())) == len(numbers), "two calls share a number"
    allowed = set(seccomp.ALLOWED) | {name for name in seccomp.TWINS if name in numbers}
    for name in allowed:
        assert verdict(code, arch, numbers[name]) == ALLOW, name
    assert not set(METADATA[machine].values()) & {numbers[name] for name in allowed}
    for name, number in {**METADATA[machine], **ONCE_DENIED[machine]}.items():
        assert verdict(code, arch, number) == EPERM, name
    known = set(numbers.values())
    refused = [n for n in range(600) if n not in known and verdict(code, arch, n) != EPERM]
    assert not refused, f"unlisted calls not refused: {refused}"
    assert verdict(code, arch, numbers["clone3"]) == ENOSYS
    assert verdict(code, arch ^ 1, numbers["read"]) == KILL
    if machine == "x86_64":
        assert verdict(code, arch, 0x40000000 | numbers["read"]) == ENOSYS  # x32
    else:
        assert not set(seccomp.TWINS) & set(numbers), "the generic table has no older twins"


@pytest.mark.parametrize("machine", sorted(seccomp.ARCHITECTURES))
def test_calls_checked_by_argument(machine):
    """ioctl and fcntl only with the requests Python makes; signals, limits and scheduling only
    on itself; prctl but the parent-death signal."""
    arch, numbers = seccomp.ARCHITECTURES[machine]
    pid = 1234
    code = seccomp.program(pid, machine)
    for request, answer in [(0x5401, ALLOW), (0x5413, ALLOW), (0x5451, ALLOW), (0x5450, ALLOW),
                            (0x40086602, EPERM), (0x80086601, EPERM), (0x5412, EPERM)]:
        assert verdict(code, arch, numbers["ioctl"], (0, request)) == answer, hex(request)
    for command, answer in [(1, ALLOW), (2, ALLOW), (3, ALLOW), (4, ALLOW), (0, ALLOW),
                            (1030, ALLOW), (8, EPERM), (15, EPERM), (10, EPERM), (1024, EPERM)]:
        assert verdict(code, arch, numbers["fcntl"], (0, command)) == answer, command
    for name in seccomp.SIGNALS_TO_SELF:
        assert verdict(code, arch, numbers[name], (pid, 9)) == ALLOW, name
        for other in (1, 0, 0xFFFFFFFF, pid + 1):
            assert verdict(code, arch, numbers[name], (other, 9)) == EPERM, (name, other)
    for name in seccomp.ONLY_ITSELF:
        for itself in (0, pid):
            assert verdict(code, arch, numbers[name], (itself, 0)) == ALLOW, name
        assert verdict(code, arch, numbers[name], (1, 0)) == EPERM, name
    assert verdict(code, arch, numbers["prctl"], (seccomp.PR_SET_PDEATHSIG, 0)) == EPERM
    assert verdict(code, arch, numbers["prctl"], (15, 0)) == ALLOW  # PR_SET_NAME


def make_canary() -> os.stat_result:
    """A root-owned 0600 file the worker can name, outside its scratch folder."""
    CANARY.unlink(missing_ok=True)
    CANARY.write_bytes(b"canary")
    os.chown(CANARY, 0, 0)
    CANARY.chmod(0o600)
    os.utime(CANARY, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    return CANARY.stat()


def assert_canary_unchanged(before: os.stat_result):
    after = CANARY.stat()
    for field in ("st_mode", "st_uid", "st_gid", "st_mtime_ns", "st_atime_ns", "st_ctime_ns"):
        assert getattr(after, field) == getattr(before, field), f"the canary's {field} changed"
    assert os.listxattr(CANARY) == [], "the canary got extended attributes"


@pytest.fixture
def canary():
    if os.geteuid() != 0:
        pytest.skip("a root-owned canary needs root")
    before = make_canary()
    try:
        yield before
        assert_canary_unchanged(before)
    finally:
        CANARY.unlink(missing_ok=True)


@pytest.mark.skipif(not seccomp.supported(), reason="no system call table here")
def test_a_filtered_process_runs_python_and_numpy_but_cannot_touch_metadata(canary, tmp_path):
    """In a real process: the modules a submission uses work; every metadata call is refused."""
    layers = Path(seccomp.__file__).resolve().parent
    code = f"""
import sys; sys.path.insert(0, {str(layers)!r})
import os, numpy as np, seccomp
os.chdir({str(tmp_path)!r})
seccomp.install()
import collections, functools, io, itertools, json, math, random, re, statistics, tempfile, time
import warnings
time.sleep(0.01); time.process_time(); random.random(); os.sched_getaffinity(0); os.cpu_count()
json.loads(json.dumps({{"a": re.findall("a+", "caab")}})); warnings.warn("w")
with tempfile.TemporaryDirectory(dir=".") as folder:
    np.save(os.path.join(folder, "x.npy"), np.linalg.inv(np.eye(3) * 2))
    assert np.load(os.path.join(folder, "x.npy"))[0, 0] == 0.5
open("notes.txt", "w").write("x")
print("works")
canary, own = {str(CANARY)!r}, os.open("notes.txt", os.O_RDONLY)
for attempt in (lambda: os.chmod(canary, 0o6777), lambda: os.fchmod(own, 0o777),
                lambda: os.chown(canary, 0, 0), lambda: os.lchown(canary, 0, 0),
                lambda: os.fchown(own, 0, 0), lambda: os.utime(canary, (0, 0)),
                lambda: os.utime(own, (0, 0)), lambda: os.setxattr(canary, "user.x", b"x"),
                lambda: os.removexattr(canary, "user.x"), lambda: os.getxattr(canary, "user.x"),
                lambda: os.listxattr(canary), lambda: os.listxattr(own)):
    try:
        attempt()
        print("allowed")
    except OSError as error:
        print(error.errno)
"""
    done = subprocess.run([sys.executable, "-I", "-W", "ignore", "-c", code],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["works"] + ["1"] * 12  # EPERM each


# -- Gradings under the filter, in each mode this machine can be forced into --------------------
# As root, with this project's Python: where that Python lies under /root (pyenv), the worker of
# the landlock and process modes keeps uid 0, the case in which only the filter stands between a
# submission and the installation's files.

def top_level(name: str):
    """A module of tests/ (tests/sandbox may have a conftest of its own, so ``conftest`` may not
    be the one test_golden imports): loaded with the right one in place."""
    saved = sys.modules.get("conftest")
    spec = importlib.util.spec_from_file_location("conftest", TESTS / "conftest.py")
    sys.modules["conftest"] = module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        spec = importlib.util.spec_from_file_location(f"seccomp_{name}", TESTS / f"{name}.py")
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
        return loaded
    finally:
        if saved is None:
            sys.modules.pop("conftest", None)
        else:
            sys.modules["conftest"] = saved


golden = top_level("test_golden")
GOLDEN = TESTS / "golden"
CORRECT = sorted(p.name for p in GOLDEN.glob("correct_*.py"))
HOSTILE = ["hostile_chmod.py", "hostile_chown.py", "hostile_utime.py", "hostile_xattr.py",
           "hostile_unlisted_calls.py"]


def forced(mode: str) -> dict:
    if os.geteuid() != 0:
        pytest.skip("these gradings attack a root-owned file: they need root")
    if mode == "bubblewrap" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    if mode == "landlock" and not landlock.abi_version():
        pytest.skip("this kernel has no Landlock")
    if not seccomp.supported():
        pytest.skip(f"no system call table for {platform.machine()}")
    return {"KMEANS_SANDBOX": mode}


def check_layers(results: dict, mode: str):
    assert results["extra_data"]["isolation"] == mode
    assert "seccomp" in results["extra_data"]["layers"]


@pytest.mark.parametrize("name", CORRECT)
@pytest.mark.parametrize("mode", ["bubblewrap", "landlock", "process"])
def test_correct_goldens_get_full_marks_under_the_filter(mode, name, tmp_path):
    """Every correct golden is graded full (run_golden checks its header) in every mode."""
    results = golden.run_golden(name, tmp_path, env=forced(mode))
    check_layers(results, mode)


@pytest.mark.parametrize("mode", ["bubblewrap", "landlock", "process"])
def test_the_reference_gets_full_marks_under_the_filter(mode, tmp_path):
    env = forced(mode)
    (tmp_path / "tmp").mkdir()
    shutil.copy(paths.ROOT / "solutions" / "kmeans.py", tmp_path / "kmeans.py")
    done = golden.grade_cli(tmp_path / "kmeans.py", tmp_path / "results.json",
                            env=dict(env, TMPDIR=str(tmp_path / "tmp")))
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    check_layers(results, mode)
    lost = [f"{t['name']}: {t['output']}" for t in results["tests"] if t["score"] < t["max_score"]]
    assert not lost, "\n".join(lost)


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("mode", ["bubblewrap", "landlock", "process"])
def test_metadata_attacks_are_refused_in_every_mode(mode, name, canary, tmp_path):
    """The hostile golden's every attempt is refused with EPERM (it raises the last one: the
    student reads the grader's sentence for a refused call, which run_golden checks from its
    header), and the root-owned canary keeps its mode, owner, times and attributes."""
    results = golden.run_golden(name, tmp_path, env=forced(mode))
    check_layers(results, mode)
    assert_canary_unchanged(canary)
