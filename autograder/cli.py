"""The command line: one subcommand per job, each a thin layer over a library function."""

import argparse
import os
import sys
from pathlib import Path

from . import paths


def _stub(args) -> int:
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


def _missing(path) -> str | None:
    """A one-line complaint when the submission path names nothing (a typo), else None."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return f"{path} does not exist: give a kmeans.py, a notebook, a folder or a zip"
    return None


def _grade(args) -> int:
    from .batch import stop_with_batch
    from .grading import GraderFault, SetupFault, grade, print_fault, summary_table
    from .results import grader_error

    if problem := _missing(args.path):
        return _fail(f"{problem}; no results were written")
    for needed in paths.grading_inputs():
        paths.require(needed)  # a broken installation: one line (main), before any work
    try:
        stop_with_batch()
        results = grade(args.path, artifacts=args.artifacts,
                        hidden_visibility=args.hidden_visibility)
    except KeyboardInterrupt:
        return _fail("interrupted: no results were written", 130)
    except GraderFault as fault:
        if isinstance(fault, SetupFault):  # a setting to fix: no traceback
            print(f"error: {fault}", file=sys.stderr)
        else:
            print_fault(fault)
        if not args.results_on_fault:
            return _fail("the grader itself failed (details above); no results were written")
        try:
            grader_error().write(args.out)
        except OSError as error:
            return _fail(f"the grader itself failed (details above), and {args.out} could not "
                         f"be written: {error.strerror}")
        return _fail(f"the grader itself failed (details above); {args.out} says so and "
                     f"scores 0")
    try:
        results.write(args.out)
    except OSError as error:
        return _fail(f"cannot write {args.out}: {error.strerror}")
    print(summary_table(results))
    print(results["output"])
    print(f"wrote {args.out}")
    return 0


def _check(args) -> int:
    from .grading import GraderFault, grade, print_fault, summary_table

    path = Path(args.file) if args.file else paths.STUB
    if problem := _missing(path):
        return _fail(problem)
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


def _batch(args) -> int:
    from . import batch

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
            out = Path(args.merge)
        else:
            shard = batch.parse_shard(args.shard) if args.shard else None
            report = batch.run(args.submissions, args.out, args.jobs, args.regrade, shard=shard,
                               **options)
            out = Path(args.out)
    except batch.BatchError as error:
        return _fail(batch.printable(str(error)))
    except KeyboardInterrupt:
        return _fail(f"interrupted: the submissions graded so far are kept in {args.out}; run "
                     f"the same command again to grade the rest", 130)
    print("\n".join(batch.summary_lines(report.outcomes, report.rates)))
    if report.shard:
        print(f"shard {report.shard[0]}/{report.shard[1]} done: {out}/students/; when every "
              f"shard is done, build the gradebook with: python -m autograder batch --merge {out}")
    else:
        print(f"gradebook  {out / 'grades.csv'}")
        print(f"summary    {out / 'summary.png'}")
        print(f"similarity {out / 'similarity.html'}")
        print(f"feedback   {out}/students/<student>/feedback.html")
        if report.lms_file:
            print(f"{args.lms:<10} {report.lms_file}")
    if report.missing:
        print(f"not graded yet ({len(report.missing)}): "
              + batch.printable(", ".join(report.missing[:20]))
              + (" ..." if len(report.missing) > 20 else ""))
    broken = [o for o in report.outcomes if o.status in batch.FAILED]
    for outcome in broken:
        print(f"error: {batch.printable(outcome.student)}: {batch.printable(outcome.message)}",
              file=sys.stderr)
    return 1 if broken else 0


def _gradescope(args) -> int:
    from .packaging import build_gradescope

    print(f"wrote {build_gradescope(args.out)}: upload it as the assignment's autograder "
          f"(Ubuntu base image)")
    return 0


def _release(args) -> int:
    from .packaging import build_release

    print(f"wrote {build_release(args.out)}: the stub, public tests, instructions, "
          f"requirements and data")
    return 0


def _otter(args) -> int:
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
        description="Grade one submission (kmeans.py, a notebook kmeans.ipynb, or a folder or "
                    "zip holding either) in the sandbox against the public and hidden tests. "
                    "From a notebook, only the graded functions' definitions, their imports and "
                    "constants are taken; its other cells never run.")
    grade.add_argument("path", help="the submission: kmeans.py, a notebook (.ipynb), a folder "
                                    "or a zip")
    grade.add_argument("--out", "-o", default="results.json",
                       help="where to write results.json (default: ./results.json)")
    grade.add_argument("--artifacts", metavar="DIR",
                       help="also save the student's capstone images to DIR/capstone.npz "
                            "(used for feedback pages)")
    grade.add_argument("--hidden-visibility", default="visible",
                       choices=["visible", "after_due_date", "after_published", "hidden"],
                       help="Gradescope visibility of the hidden suites' checks (default: "
                            "visible; the public checks stay visible)")
    grade.add_argument("--results-on-fault", action="store_true",
                       help="if the grader itself fails, still write a results.json that scores "
                            "0 and says so (for Gradescope); the exit status stays 2")
    grade.set_defaults(run=_grade, out_is="file")

    batch = commands.add_parser(
        "batch", help="grade a whole class: gradebook, feedback pages, summary, similarity",
        description="Grade every submission in SUBMISSIONS (a folder or zip as Canvas, Moodle "
                    "or Gradescope export a class, or with one file, folder or zip per student) "
                    "in parallel, each in its own sandbox. Writes OUTDIR/grades.csv, "
                    "summary.png, similarity.html and, per student, students/<student>/"
                    "results.json and feedback.html. Run it again after an interruption to "
                    "grade the rest.")
    batch.add_argument("submissions", nargs="?", help="a folder or zip of submissions")
    batch.add_argument("--out", "-o", metavar="OUTDIR",
                       help="where to write the gradebook, summary and feedback")
    batch.add_argument("--jobs", "-j", type=int, metavar="N",
                       help="submissions graded at once (default: all cores)")
    batch.add_argument("--regrade", action="store_true",
                       help="grade every submission again, even those already graded")
    batch.add_argument("--shard", metavar="I/N",
                       help="grade only shard I of N (0 <= I < N); with N alone, I comes from "
                            "JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or "
                            "SLURM_ARRAY_TASK_ID (SLURM array). Then run --merge")
    batch.add_argument("--merge", metavar="OUTDIR",
                       help="build the gradebook, summary and similarity report from what "
                            "the shards wrote into OUTDIR, and list who is missing")
    batch.add_argument("--lms", choices=["canvas", "moodle"],
                       help="also write the file this LMS's gradebook import takes")
    batch.add_argument("--assignment", default="K-means",
                       help="the assignment's column in the Canvas import (default: K-means; "
                            "Canvas matches 'Name (id)' to an existing assignment)")
    batch.add_argument("--show-hidden-images", action="store_true",
                       help="show the capstone's hidden images in the feedback pages (for "
                            "instructors; off by default, as students may see the pages)")
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
        "otter", help="write the public tests as otter-grader test files, or a master notebook",
        description="Write one otter-grader test file (exception-based format) per graded "
                    "function, each running the public tests, so that `otter check kmeans.py "
                    "-t otter_tests` works in the assignment folder. With --master, write "
                    "instead an otter-grader master notebook made from the reference, ready "
                    "for `otter assign`.")
    otter.add_argument("--out", "-o",
                       help="the folder to write, inside the assignment folder (default: "
                            "assignment/otter_tests in a clone, ./otter_tests when installed)")
    otter.add_argument("--master", metavar="DIR",
                       help="write DIR/kmeans.ipynb, the master notebook for `otter assign`, "
                            "with the data and support files it needs beside it")
    otter.set_defaults(run=_otter, out_is="folder")

    check = commands.add_parser(
        "check", help="self-check: run the public tests on a kmeans.py or notebook",
        description="Run the public tests on a kmeans.py or a notebook (kmeans.ipynb; only its "
                    "function definitions, imports and constants are taken) in the same sandbox "
                    "the grader uses, and print a table per function. Exits 1 when a check "
                    "fails, as pytest does.")
    check.add_argument("file", nargs="?",
                       help="the kmeans.py or .ipynb to check (also a folder or zip holding "
                            "one; default: the stub, assignment/kmeans.py)")
    check.set_defaults(run=_check)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    out_arg = getattr(args, "master", None) or getattr(args, "out", None)
    if out_arg:  # checked before any work: a typo costs no grading time
        out = Path(out_arg)
        if problem := _output_folder(out if args.out_is == "folder" else out.parent):
            return _fail(problem)
    try:
        return args.run(args)
    except paths.ProjectFilesMissing as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as error:
        # A grading setting to fix (SetupFault) is one line too. Only the commands that grade
        # import the grader (pytest, the sandbox): `compress` and `stub` never pay for it, and
        # a command that did not import it cannot have raised its fault.
        grading = sys.modules.get(f"{__package__}.grading")
        if grading is not None and isinstance(error, grading.SetupFault):
            return _fail(str(error))
        raise
