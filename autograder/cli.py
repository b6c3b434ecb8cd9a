"""The command line: one subcommand per job, each a thin layer over a library function."""

import os
import sys
from pathlib import Path

from .commands import build_parser
from .files import write_atomically


def _stub(args) -> int:
    from . import paths
    from .stubgen import MarkerError, make_stub

    if paths.INSTALLED:
        return _fail("stub regenerates a clone's assignment/kmeans.py from its "
                     "solutions/kmeans.py; this is an installed package: run it in a clone of "
                     "the project")
    source = paths.require(paths.SOLUTION).read_text(encoding="utf-8")
    try:
        stub = make_stub(source, filename=str(paths.SOLUTION.relative_to(paths.ROOT)))
    except MarkerError as error:
        return _fail(str(error))
    current = paths.STUB.read_text(encoding="utf-8") if paths.STUB.exists() else None
    if args.check:
        if current != stub:
            return _fail(f"{paths.STUB} is out of date: run `python -m autograder stub`")
        print(f"{paths.STUB} is up to date")
        return 0
    if current == stub:
        print(f"{paths.STUB} is already up to date")
    else:
        write_atomically(paths.STUB, stub)
        print(f"wrote {paths.STUB}")
    return 0


def _output_folder(folder: Path) -> str | None:
    """Why the command's output cannot go into ``folder`` (made later if missing), or None."""
    existing = next(p for p in [folder.absolute(), *folder.absolute().parents] if p.exists())
    if not existing.is_dir():
        return f"{existing} is a file, not a folder for the output"
    if not os.access(existing, os.W_OK):
        return f"cannot write into {existing}: permission denied"
    return None


def _compress(args) -> int:
    from .compress import TerminalProgress, compress_photo
    from .imaging import ImageError

    if args.photo:
        photo = Path(args.photo)
    else:
        from . import paths

        photo = paths.require(paths.PHOTO)
    out = Path(args.out) if args.out else Path(f"{photo.stem}-{args.colors}colours.png")
    compare = None
    if args.compare:
        compare = out.with_name(f"{out.stem}-compare.png")
    progress = TerminalProgress()
    try:
        report = compress_photo(photo, args.colors, out, compare, args.iters, args.seed,
                                args.init, args.rgb, progress, args.tol)
    except (ImageError, ValueError) as error:
        progress.clear()
        return _fail(str(error))
    except OSError as error:
        progress.clear()
        return _fail(f"cannot write {error.filename or out}: {error.strerror}")
    finally:
        progress.clear()
    print("\n".join(report.lines()))
    return 0


def _missing(path) -> str | None:
    """A one-line complaint when the submission path names nothing (a typo), else None."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return f"{path} does not exist: give a kmeans.py, a notebook, a folder or a zip"
    return None


def _grade(args) -> int:
    from . import paths
    from .grading import grade_and_write

    if problem := _missing(args.path):
        return _fail(f"{problem}; no results were written")
    for needed in paths.grading_inputs():
        paths.require(needed)  # a broken installation: one line (main), before any work
    done = grade_and_write(args.path, args.out, artifacts=args.artifacts,
                           hidden_visibility=args.hidden_visibility,
                           results_on_fault=args.results_on_fault)
    for line in done.stdout:
        print(line)
    for line in done.stderr:
        print(line, file=sys.stderr)
    return done.status


def _check(args) -> int:
    from . import paths
    from .grading import GraderFault, grade, print_fault, summary_table

    path = Path(args.file) if args.file else _in_this_folder()
    if path is None:
        return _fail(f"there is no kmeans.py (or kmeans.ipynb) in this folder ({Path.cwd()}): "
                     f"run check in the folder that holds it, or give its path: "
                     f"python -m autograder check path/to/kmeans.py")
    if problem := _missing(path):
        return _fail(problem)
    print(f"checking {path if path.is_absolute() or args.file else f'./{path}'}")
    for needed in paths.grading_inputs(include_hidden=False):
        paths.require(needed)
    try:
        results = grade(path, include_hidden=False)
    except GraderFault as fault:
        print_fault(fault)
        return _fail("the grader itself failed (details above)")
    for test in results["tests"]:
        mark = "PASS" if test["score"] >= test["max_score"] else "FAIL"
        print(f"{mark}  {test['name']}")
        if mark == "FAIL":
            print("      " + test["output"].replace("\n", "\n      "))
    print()
    print(summary_table(results))
    print(results["output"])
    print("These are the public tests only: the hidden tests check more cases, so passing these "
          "does not guarantee full marks.")
    passed = results["tests"] and all(t["score"] >= t["max_score"] for t in results["tests"])
    return 0 if passed else 1  # as pytest: 1 when a check failed


def _in_this_folder() -> Path | None:
    """What ``check`` without a file checks: this folder's kmeans.py, else its kmeans.ipynb."""
    for name in ("kmeans.py", "kmeans.ipynb"):
        if Path(name).exists() or Path(name).is_symlink():
            return Path(name)
    return None


def _batch(args) -> int:
    from . import batch
    from .files import printable

    if args.jobs is not None and args.jobs < 1:
        return _fail(f"--jobs must be 1 or more, got {args.jobs}")
    if args.merge is not None and (args.submissions or args.out or args.shard or args.regrade):
        return _fail("--merge OUTDIR takes no SUBMISSIONS, --out, --shard or --regrade")
    if args.merge is None and not (args.submissions and args.out):
        return _fail("give SUBMISSIONS and --out OUTDIR (or --merge OUTDIR)")
    options = dict(lms_format=args.lms, assignment=args.assignment,
                   show_hidden_images=args.show_hidden_images)
    try:
        if args.merge is not None:
            report = batch.merge(args.merge, **options)
        else:
            shard = batch.parse_shard(args.shard) if args.shard else None
            report = batch.run(args.submissions, args.out, args.jobs, args.regrade, shard=shard,
                               **options)
    except batch.BatchError as error:
        return _fail(printable(str(error)))
    except KeyboardInterrupt:
        return _fail(f"interrupted: the submissions graded so far are kept in {args.out}; run "
                     f"the same command again to grade the rest", 130)
    print("\n".join(report.lines()))
    for line in report.failures():
        print(f"error: {line}", file=sys.stderr)
    return 1 if report.failures() else 0


def _gradescope(args) -> int:
    from .packaging import build_gradescope

    print(f"wrote {build_gradescope(args.out, args.hidden_visibility)}: upload it as the "
          f"assignment's autograder (Ubuntu base image); hidden checks: {args.hidden_visibility}")
    return 0


def _release(args) -> int:
    from .packaging import build_release

    print(f"wrote {build_release(args.out)}: the stub, public tests, instructions, "
          f"requirements, data, and the engine of `check` (without the hidden tests)")
    return 0


def _otter(args) -> int:
    from . import paths
    from .otter import MasterError, write_master, write_tests

    if args.master:
        try:
            notebook = write_master(args.master)
        except MasterError as error:
            return _fail(str(error))
        print(f"wrote {notebook} with its data/ and otter_support/ beside it: the otter-grader "
              f"master notebook; run: otter assign {notebook} dist")
        return 0
    out = args.out or (Path("otter_tests") if paths.INSTALLED else paths.ASSIGNMENT / "otter_tests")
    written = write_tests(out)
    print(f"wrote {len(written)} otter test files to {out}; from the assignment folder run: "
          f"otter check kmeans.py -t {Path(out).name}")
    return 0


def _fail(message: str, status: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


RUN = {"stub": _stub, "compress": _compress, "grade": _grade, "check": _check,
       "batch": _batch, "gradescope": _gradescope, "release": _release, "otter": _otter}


def one_blas_thread() -> None:
    """Ask numpy's OpenBLAS for one thread, unless the operator chose or numpy is loaded.

    OpenBLAS starts a thread per core when numpy is imported, and those threads spin on the
    other cores for a while after it and after every product they share. These commands never
    need them: the grader's products are small blocks on purpose, the compress command runs its
    own two threads, and student code runs in workers set to one thread. Here importing numpy
    took 0.19 CPU s for 0.08 s of wall time with them, 0.06 without.
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main(argv=None) -> int:
    one_blas_thread()
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((word for word in argv if not word.startswith("-")), None)
    args = build_parser(command if command in RUN else None).parse_args(argv)
    out_arg = getattr(args, "master", None) or getattr(args, "out", None)
    if out_arg:  # checked before any work: a typo costs no grading time
        out = Path(out_arg)
        if problem := _output_folder(out if args.out_is == "folder" else out.parent):
            return _fail(problem)
    try:
        return RUN[args.command](args)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith(f"{__package__}."):
            raise
        return _fail(f"`{args.command}` is an instructor's command, not part of the student "
                     f"release ({error.name} is not here): `check` is")
    except Exception as error:
        # A file of the project's missing (ProjectFilesMissing) and a grading setting to fix
        # (SetupFault) are one line each. Only the commands that need them import the module
        # that finds the project's files (importlib.resources, zipfile: 10 ms) and the grader
        # (pytest, the sandbox): `compress` of a photo never pays for either, and a command that
        # did not import one cannot have raised its fault.
        for module, fault in (("paths", "ProjectFilesMissing"), ("grading", "SetupFault")):
            found = sys.modules.get(f"{__package__}.{module}")
            if found is not None and isinstance(error, getattr(found, fault)):
                return _fail(str(error))
        raise
