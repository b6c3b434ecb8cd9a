"""The command line's words: every subcommand with its options and help (``cli.py`` runs them).

``out_is`` says what a command's ``--out`` names ("file" or "folder"), so that the command line
checks it can be written before any work."""

import argparse


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Every subcommand and its options; given ``command``, the one about to run, the options
    of the others whose choices come from their own packages (compress's --init, batch's
    --lms) are left out, so that `grade` imports neither the compress engine nor the LMSes."""
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="The K-means assignment's tools: grade submissions, self-check, "
                    "generate the student stub, compress a photo.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # The results' words import importlib.metadata and more, which `compress` never uses: for
    # it the other commands' --hidden-visibility is left unchecked (it is not theirs to parse).
    visibilities = None
    if command != "compress":
        from .results import VISIBILITIES as visibilities

    stub = commands.add_parser(
        "stub", help="generate assignment/kmeans.py from solutions/kmeans.py",
        description="Generate the student stub from the reference by replacing each marked "
                    "solution region with a hint and `raise NotImplementedError`.")
    stub.add_argument("--check", action="store_true",
                      help="only check that the committed stub is up to date (exit 1 if not)")

    compress = commands.add_parser(
        "compress", help="compress a photo to K colours with the reference K-means",
        description="Compress a photo (PNG, JPEG, ...) to K colours with the reference's "
                    "K-means, write it as a palette PNG holding exactly the K colours found, "
                    "and print its distortion and the file sizes before and after. By default "
                    "the colours start from k-means++ seeding and K-means runs until the colours "
                    "settle (five steps in a row each lower the distortion by at most --tol of "
                    "itself); "
                    "--init random does what the assignment's compress_image does.")
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
    if command in (None, "compress"):
        from .compress import INITS, TOL

        compress.add_argument("--init", choices=INITS, default="k-means++",
                              help="initial colours: k-means++ seeding (default) or K random "
                                   "pixels as the assignment's compress_image does")
        compress.add_argument("--tol", type=float, default=TOL, metavar="T",
                              help=f"with k-means++, stop once five steps in a row have each "
                                   f"lowered the distortion by at most T times itself "
                                   f"(default: {TOL:g}; 0: until no colour changes cluster)")
    compress.add_argument("--iters", type=int, default=None, metavar="N",
                          help="at most N K-means steps (default: until the colours settle, "
                               "at most 300; 10 with --init random)")
    compress.add_argument("--seed", type=int, default=0,
                          help="random seed for the initial colours (default: 0)")
    compress.add_argument("--rgb", action="store_true",
                          help="write 24-bit RGB pixels instead of a palette")
    compress.set_defaults(out_is="file")

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
                       choices=visibilities,
                       help="Gradescope visibility of the hidden suites' checks (default: "
                            "visible; the public checks stay visible)")
    grade.add_argument("--results-on-fault", action="store_true",
                       help="if the grader itself fails, still write a results.json that scores "
                            "0 and says so (for Gradescope); the exit status stays 2")
    grade.set_defaults(out_is="file")

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
    if command in (None, "batch"):
        from . import lms

        batch.add_argument("--lms", choices=lms.IMPORTS,
                           help="also write the file this LMS's gradebook import takes, and the "
                                "zip of feedback pages its bulk feedback upload takes")
    batch.add_argument("--assignment", default="K-means",
                       help="the assignment's column in the Canvas import (default: K-means; "
                            "Canvas matches 'Name (id)' to an existing assignment)")
    batch.add_argument("--show-hidden-images", action="store_true",
                       help="show the capstone's hidden images in the feedback pages (for "
                            "instructors; off by default, as students may see the pages)")
    batch.set_defaults(out_is="folder")

    gradescope = commands.add_parser(
        "gradescope", help="build Gradescope's autograder zip",
        description="Build the zip to upload as a Gradescope programming assignment's "
                    "autograder: setup.sh installs Python, bubblewrap and this package; "
                    "run_autograder grades /autograder/submission. Set AUTOGRADER_ROOT to "
                    "try both scripts in a folder of your own.")
    gradescope.add_argument("--out", "-o", default="autograder.zip",
                            help="the zip to write (default: autograder.zip)")
    gradescope.add_argument("--hidden-visibility", default="visible", choices=visibilities,
                            help="when students see the hidden suites' checks on Gradescope "
                                 "(default: visible, at once; the public checks stay visible)")
    gradescope.set_defaults(out_is="file")

    release = commands.add_parser(
        "release", help="build the zip students get",
        description="Pack exactly what students get: the stub, the public tests, the "
                    "instructions and the data (and the notebook when there is one).")
    release.add_argument("--out", "-o", default="kmeans-assignment.zip",
                         help="the zip to write (default: kmeans-assignment.zip)")
    release.set_defaults(out_is="file")

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
    otter.set_defaults(out_is="folder")

    check = commands.add_parser(
        "check", help="self-check: run the public tests on a kmeans.py or notebook",
        description="Run the public tests on a kmeans.py or a notebook (kmeans.ipynb; only its "
                    "function definitions, imports and constants are taken) in the same sandbox "
                    "the grader uses, and print a table per function. Exits 1 when a check "
                    "fails, as pytest does.")
    check.add_argument("file", nargs="?",
                       help="the kmeans.py or .ipynb to check (also a folder or zip holding "
                            "one; default: ./kmeans.py, else ./kmeans.ipynb)")
    return parser
