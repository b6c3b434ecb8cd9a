"""The command line: one subcommand per job, each a thin layer over a library function."""

import argparse
import os
import sys
from pathlib import Path

from . import paths


def _stub(args) -> int:
    from .stubgen import MarkerError, make_stub

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
        paths.STUB.write_text(stub, encoding="utf-8")
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

    photo = Path(args.photo) if args.photo else paths.require(paths.PHOTO)
    out = Path(args.out) if args.out else Path(f"{photo.stem}-{args.colors}colours.png")
    compare = None
    if args.compare:
        compare = out.with_name(f"{out.stem}-compare.png")
    progress = TerminalProgress()
    try:
        report = compress_photo(photo, args.colors, out, compare, args.iters, args.seed,
                                args.init, args.rgb, progress)
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


def _grade(args) -> int:
    from .batch import stop_with_batch
    from .grading import GraderFault, grade, print_fault, summary_table, write_results

    try:
        stop_with_batch()
        results = grade(args.path, artifacts=args.artifacts)
    except KeyboardInterrupt:
        return _fail("interrupted: no results were written", 130)
    except GraderFault as fault:
        print_fault(fault)
        return _fail("the grader itself failed (details above); no results were written")
    try:
        write_results(results, args.out)
    except OSError as error:
        return _fail(f"cannot write {args.out}: {error.strerror}")
    print(summary_table(results))
    print(results["output"])
    print(f"wrote {args.out}")
    return 0


def _check(args) -> int:
    from .grading import GraderFault, grade, print_fault, summary_table

    path = Path(args.file) if args.file else paths.STUB
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
    return 0


def _batch(args) -> int:
    from . import batch

    if args.jobs is not None and args.jobs < 1:
        return _fail(f"--jobs must be 1 or more, got {args.jobs}")
    try:
        outcomes, rates = batch.run(args.submissions, args.out, args.jobs, args.regrade)
    except batch.BatchError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return _fail(f"interrupted: the submissions graded so far are kept in {args.out}; run "
                     f"the same command again to grade the rest", 130)
    out = Path(args.out)
    print("\n".join(batch.summary_lines(outcomes, rates)))
    print(f"gradebook  {out / 'grades.csv'}")
    print(f"summary    {out / 'summary.png'}")
    print(f"feedback   {out}/<student>/feedback.html")
    broken = [o for o in outcomes if o.status in ("grader error", "grader timeout")]
    for outcome in broken:
        print(f"error: {outcome.student}: {outcome.message}", file=sys.stderr)
    return 1 if broken else 0


def _gradescope(args) -> int:
    from .packaging import build_gradescope

    print(f"wrote {build_gradescope(args.out)}: upload it as the assignment's autograder "
          f"(Ubuntu base image)")
    return 0


def _release(args) -> int:
    from .packaging import build_release

    print(f"wrote {build_release(args.out)}: the stub, public tests, instructions and data")
    return 0


def _otter(args) -> int:
    from .otter import write_tests

    written = write_tests(args.out)
    print(f"wrote {len(written)} otter test files to {args.out}; from the assignment folder run: "
          f"otter check kmeans.py -t {Path(args.out).name}")
    return 0


def _fail(message: str, status: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="The K-means assignment's tools: grade submissions, self-check, "
                    "generate the student stub, compress a photo.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    stub = commands.add_parser(
        "stub", help="generate assignment/kmeans.py from solutions/kmeans.py",
        description="Generate the student stub from the reference by replacing each marked "
                    "solution region with a hint and `raise NotImplementedError`.")
    stub.add_argument("--check", action="store_true",
                      help="only check that the committed stub is up to date (exit 1 if not)")
    stub.set_defaults(run=_stub)

    compress = commands.add_parser(
        "compress", help="compress a photo to K colours with the reference K-means",
        description="Compress a photo (PNG, JPEG, ...) to K colours with the reference's "
                    "K-means, write it as a palette PNG holding exactly the K colours found, "
                    "and print its distortion and the file sizes before and after. By default "
                    "the colours start from k-means++ seeding and K-means runs until no colour "
                    "changes cluster; --init random does what the assignment's compress_image "
                    "does.")
    compress.add_argument("photo", nargs="?",
                          help="the photo to compress (default: the bundled Grace Hopper photo)")
    compress.add_argument("--colors", "-k", type=int, default=16, metavar="K",
                          help="number of colours to keep (default: 16; at most the photo's "
                               "distinct colours)")
    compress.add_argument("--out", "-o", metavar="OUT.png",
                          help="where to write the compressed image; the extension chooses the "
                               "format: .png (default), .gif, .bmp, .tif; lossy ones such as "
                               ".jpg are refused (default: PHOTO-Kcolours.png in the current "
                               "folder)")
    compress.add_argument("--compare", action="store_true",
                          help="also write OUT-compare.png: the original beside the compressed")
    compress.add_argument("--init", choices=["k-means++", "random"], default="k-means++",
                          help="initial colours: k-means++ seeding (default) or K random pixels "
                               "as the assignment's compress_image does")
    compress.add_argument("--iters", type=int, default=None, metavar="N",
                          help="at most N K-means steps (default: until no colour changes "
                               "cluster, at most 300; 10 with --init random)")
    compress.add_argument("--seed", type=int, default=0,
                          help="random seed for the initial colours (default: 0)")
    compress.add_argument("--rgb", action="store_true",
                          help="write 24-bit RGB pixels instead of a palette")
    compress.set_defaults(run=_compress, out_is="file")

    grade = commands.add_parser(
        "grade", help="grade one submission and write Gradescope's results.json",
        description="Grade one submission (kmeans.py, a folder holding it, or a zip) in the "
                    "sandbox against the public and hidden tests.")
    grade.add_argument("path", help="the submission: kmeans.py, a folder or a zip")
    grade.add_argument("--out", "-o", default="results.json",
                       help="where to write results.json (default: ./results.json)")
    grade.add_argument("--artifacts", metavar="DIR",
                       help="also save the student's capstone images to DIR/capstone.npz "
                            "(used for feedback pages)")
    grade.set_defaults(run=_grade, out_is="file")

    batch = commands.add_parser(
        "batch", help="grade a whole class: gradebook, feedback pages, summary",
        description="Grade every submission in SUBMISSIONS (a folder with one file, folder or "
                    "zip per student, or a zip of such) in parallel, each in its own sandbox. "
                    "Writes OUTDIR/grades.csv, OUTDIR/summary.png and, per student, "
                    "results.json and feedback.html. Run it again after an interruption to "
                    "grade the rest.")
    batch.add_argument("submissions", help="a folder or zip of submissions")
    batch.add_argument("--out", "-o", required=True, metavar="OUTDIR",
                       help="where to write the gradebook, summary and feedback")
    batch.add_argument("--jobs", "-j", type=int, metavar="N",
                       help="submissions graded at once (default: all cores)")
    batch.add_argument("--regrade", action="store_true",
                       help="grade every submission again, even those already graded")
    batch.set_defaults(run=_batch, out_is="folder")

    gradescope = commands.add_parser(
        "gradescope", help="build Gradescope's autograder zip",
        description="Build the zip to upload as a Gradescope programming assignment's "
                    "autograder: setup.sh installs Python, bubblewrap and this package; "
                    "run_autograder grades /autograder/submission. Set AUTOGRADER_ROOT to "
                    "try both scripts in a folder of your own.")
    gradescope.add_argument("--out", "-o", default="autograder.zip",
                            help="the zip to write (default: autograder.zip)")
    gradescope.set_defaults(run=_gradescope, out_is="file")

    release = commands.add_parser(
        "release", help="build the zip students get",
        description="Pack exactly what students get: the stub, the public tests, the "
                    "instructions and the data (and the notebook when there is one).")
    release.add_argument("--out", "-o", default="kmeans-assignment.zip",
                         help="the zip to write (default: kmeans-assignment.zip)")
    release.set_defaults(run=_release, out_is="file")

    otter = commands.add_parser(
        "otter", help="write the public tests as otter-grader test files",
        description="Write one otter-grader test file (exception-based format) per graded "
                    "function, each running the public tests, so that `otter check kmeans.py "
                    "-t otter_tests` works in the assignment folder.")
    otter.add_argument("--out", "-o", default=str(paths.ASSIGNMENT / "otter_tests"),
                       help="the folder to write, inside the assignment folder "
                            "(default: assignment/otter_tests)")
    otter.set_defaults(run=_otter, out_is="folder")

    check = commands.add_parser(
        "check", help="self-check: run the public tests on a kmeans.py through the grader",
        description="Run the public tests on a kmeans.py in the same sandbox the grader uses, "
                    "and print a table per function.")
    check.add_argument("file", nargs="?",
                       help="the kmeans.py to check (default: assignment/kmeans.py)")
    check.set_defaults(run=_check)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "out", None):  # checked before any work: a typo costs no grading time
        out = Path(args.out)
        if problem := _output_folder(out if args.out_is == "folder" else out.parent):
            return _fail(problem)
    try:
        return args.run(args)
    except paths.ProjectFilesMissing as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
