"""A worker's scratch folder: its limits are enforced while it runs, and whatever it leaves there
(any depth, any count, any permission bits) is removed without recursion and without raising."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.sandbox import modes, removal

MODES = [name for name in sandbox.MODES if not modes.by_name(name).unavailable()]
UNSIZED = [name for name in MODES if name != "bubblewrap"]  # bubblewrap's /tmp is a sized tmpfs


@pytest.fixture
def open_folder():
    """A folder another uid can enter (pytest's own are closed to others); removed after."""
    folder = Path(tempfile.mkdtemp(prefix="scratch-test-"))
    folder.chmod(0o755)
    yield folder
    assert removal.remove_tree(folder) == []


def nest(top: Path, depth: int, name: str = "d" * 100, locked: bool = True) -> None:
    """Nest ``depth`` folders in ``top``, each named relative to the last (far deeper than a path
    can name); with ``locked``, each holds a read-only file and folders made 000 and 0o500, and
    the chain's folders are 0o300 (written and entered, never listed) from the tenth on."""
    folder = os.open(top, os.O_PATH | os.O_DIRECTORY)
    for level in range(depth):
        if locked:
            fd = os.open("locked", os.O_WRONLY | os.O_CREAT, 0o400, dir_fd=folder)
            os.write(fd, b"x")
            os.close(fd)
            os.mkdir("closed", 0o000, dir_fd=folder)
            os.mkdir("read-only", 0o500, dir_fd=folder)
        os.mkdir(name, 0o300 if locked and level >= 10 else 0o700, dir_fd=folder)
        inner = os.open(name, os.O_PATH | os.O_DIRECTORY, dir_fd=folder)
        os.close(folder)
        folder = inner
    os.close(folder)


def as_nobody(code: str, timeout: float) -> subprocess.CompletedProcess:
    """Run Python ``code`` as uid and gid 65534 (needs root), from the repository's top."""
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, cwd=Path(__file__).parents[2])


def test_a_tree_deeper_than_recursion_and_paths_with_locked_folders_is_removed(tmp_path):
    top = tmp_path / "scratch"
    top.mkdir()
    nest(top, 3000)
    (tmp_path / "scratch").chmod(0o500)  # the top itself, too
    assert removal.remove_tree(top) == []
    assert not top.exists()


def test_a_non_root_remover_fixes_the_bits_of_its_own_files(open_folder):
    if os.geteuid() != 0:
        pytest.skip("runs the remover as another uid, which needs root")
    top = open_folder / "theirs"
    top.mkdir()
    os.chown(top, 65534, 65534)
    code = (f"import os, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"from test_scratch import nest; from pathlib import Path; "
            f"from autograder.sandbox.removal import remove_tree; "
            f"top = Path({str(top)!r}) / 'tree'; top.mkdir(); nest(top, 1500); "
            f"print(remove_tree(top), top.exists())")
    done = as_nobody(code, timeout=300)
    assert done.stdout == "[] False\n", done.stderr


def test_what_cannot_be_removed_is_reported_not_raised(open_folder):
    if os.geteuid() != 0:
        pytest.skip("needs a file of another uid the remover may not touch")
    top = open_folder / "mixed"
    top.mkdir()
    os.chown(top, 65534, 65534)
    (top / "roots").mkdir()  # root's, 0o755: another uid cannot empty it
    (top / "roots" / "file").write_text("x")
    (top / "mine").mkdir()
    os.chown(top / "mine", 65534, 65534)
    code = (f"from autograder.sandbox.removal import remove_tree; "
            f"print('|'.join(remove_tree({str(top)!r})))")
    done = as_nobody(code, timeout=60)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "Permission denied" in done.stdout and "roots" in done.stdout, done.stdout
    assert not (top / "mine").exists() and (top / "roots" / "file").exists()


def test_files_that_vanish_while_it_removes_them_are_removed_all_the_same(tmp_path,
                                                                           monkeypatch):
    top = tmp_path / "vanishing"
    for part in ("a/b/c", "a/e", "f"):
        (top / part).mkdir(parents=True)
        (top / part / "file").write_text("x")
    real_unlink, real_rename = os.unlink, os.rename

    def unlink(name, *, dir_fd=None):  # another process removes it first
        real_unlink(name, dir_fd=dir_fd)
        raise FileNotFoundError(2, "No such file or directory")

    def rename(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        if src == "file":
            real_unlink(src, dir_fd=src_dir_fd)
        return real_rename(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    monkeypatch.setattr(removal.os, "unlink", unlink)
    monkeypatch.setattr(removal.os, "rename", rename)
    assert removal.remove_tree(top) == []
    assert not top.exists()
    assert removal.remove_tree(top) == []  # gone already: nothing to say


FLOOD = b'''
import os, tempfile

def flood():
    chunk = b"x" * (1 << 20)
    count = 0
    while True:
        count += 1
        with open(os.path.join(tempfile.gettempdir(), f"f{count}"), "wb") as handle:
            for _ in range(15):
                handle.write(chunk)

def deep():  # closes each folder it leaves: only the scratch watcher can stop it
    folder = os.open(tempfile.gettempdir(), os.O_PATH | os.O_DIRECTORY)
    while True:
        os.mkdir("d", dir_fd=folder)
        inner = os.open("d", os.O_PATH | os.O_DIRECTORY, dir_fd=folder)
        os.close(folder)
        folder = inner

def many():
    count = 0
    while True:
        count += 1
        os.close(os.open(os.path.join(tempfile.gettempdir(), f"f{count}"),
                         os.O_WRONLY | os.O_CREAT))

def one_big_file():
    with open(os.path.join(tempfile.gettempdir(), "big"), "wb") as handle:
        handle.write(b"x" * (64 << 20))
'''


def used(folder: Path) -> tuple[int, int, int]:
    """(bytes, entries, depth) in ``folder``."""
    total = count = deepest = 0
    for parent, dirs, files in os.walk(folder):
        depth = len(Path(parent).relative_to(folder).parts)
        deepest = max(deepest, depth)
        count += len(dirs) + len(files)
        total += sum(os.lstat(os.path.join(parent, f)).st_blocks * 512 for f in files)
    return total, count, deepest


@pytest.mark.parametrize("mode", UNSIZED)
@pytest.mark.parametrize("function, why", [
    ("flood", "it wrote more than 64 MiB into its scratch folder"),
    ("deep", "it nested folders more than 64 deep in its scratch folder"),
    ("many", "it made more than 10000 files in its scratch folder"),
])
def test_the_scratch_limits_stop_it_at_once(mode, function, why):
    """Stopped within a check's time of passing a limit: what it left is not far past it."""
    isolation = sandbox.detect(forced=mode)
    with sandbox.Sandbox(sandbox.Module(FLOOD), isolation, prefix="scratch-test-") as box:
        assert isinstance(box.start(), sandbox.Loaded)
        outcome = box.call(function, seconds=60)
        stage = box.process.stage
        left = used(box.process.scratch)
    assert isinstance(outcome, sandbox.Died) and outcome.why == why, outcome
    written, entries, depth = left
    # Stopped while it runs, not after the call (which let 760 MiB through): how far past the
    # limit it gets depends on how busy the machine is, so the bound is loose (no timing here).
    assert written < 8 * (64 << 20), f"{written >> 20} MiB written before it was stopped"
    # unchecked, it would run its whole minute: millions of folders or files
    assert entries < 64 * 10_000 and depth < 64 * 64, left
    assert not stage.exists()


@pytest.mark.parametrize("mode", MODES)
def test_one_file_past_its_limit_is_refused_by_the_kernel(mode):
    isolation = sandbox.detect(forced=mode)
    with sandbox.Sandbox(sandbox.Module(FLOOD), isolation, prefix="scratch-test-") as box:
        assert isinstance(box.start(), sandbox.Loaded)
        outcome = box.call("one_big_file")
    # RLIMIT_FSIZE: the write fails with EFBIG (SIGXFSZ is ignored), or the tmpfs is full
    assert isinstance(outcome, (sandbox.Raised, sandbox.Died)), outcome
    if isinstance(outcome, sandbox.Raised):
        assert outcome.type == "OSError", outcome
    else:
        assert outcome.signal == "SIGXFSZ" or outcome.why, outcome


def test_the_remover_is_the_one_the_sandbox_and_the_batch_use():
    from autograder.batch import strays

    assert sandbox.remove_tree is removal.remove_tree
    assert "rmtree" not in Path(strays.__file__).read_text()
    assert "rmtree" not in Path(sandbox.client.__file__).read_text()
