"""Grade the golden submissions that each make one common mistake, and write docs/mistakes.md.

Run: `python examples/mistakes_table.py [--jobs N] [--out docs/mistakes.md]`. Each golden in
MISTAKES (tests/golden/, built as the test suite builds it: the stub, its base, then itself) is
graded through `python -m autograder grade`; the table gives, for each mistake, the first
message the student reads (the output of the first check that failed, in the order Gradescope
shows them) and the points each function got. The page is rewritten whole on every run.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from conftest import FUNCTIONS, GOLDEN, build, header  # noqa: E402

# The goldens that each make one mistake a student makes, by the function they get wrong.
MISTAKES = [
    # find_closest_centroids
    "closest_argmax.py", "closest_column.py", "closest_distances.py", "closest_float_idx.py",
    "closest_guess_orientation.py", "closest_integer_data.py", "closest_manhattan.py",
    "closest_matrix.py", "closest_modifies_centroids.py", "closest_modifies_x.py",
    "closest_one_based.py", "closest_returns_list.py", "closest_returns_tuple.py",
    "closest_sentinel.py", "closest_skips_last_centroid.py", "closest_chebyshev.py",
    "closest_squeeze.py", "closest_sum_then_square.py", "closest_ties_last.py",
    "closest_two_features.py", "closest_wrong_axis.py",
    # compute_centroid_means
    "means_all_points.py", "means_divides_by_m.py", "means_drops_empty.py",
    "means_empty_zero.py", "means_first_point.py", "means_count_plus_one.py",
    "means_floor_division.py", "means_integer.py", "means_k_from_idx.py", "means_median.py",
    "means_modifies_idx.py", "means_modifies_x.py", "means_not_divided.py",
    "means_off_by_one.py", "means_returns_list.py", "means_squeeze.py", "means_transposed.py",
    "means_unique_count.py", "means_wrong_axis.py",
    # kmeans_init_centroids
    "init_evenly_spaced.py", "init_first_rows.py", "init_fixed_seed.py",
    "init_ignores_seed.py", "init_integer_rows.py", "init_never_last_row.py",
    "init_no_lower_check.py", "init_no_upper_check.py", "init_no_value_error.py",
    "init_random_points.py", "init_random_state.py", "init_rejects_k_equal_m.py",
    "init_returns_indices.py", "init_returns_list.py", "init_seeds_global.py",
    "init_shuffles_x.py", "init_view.py", "init_with_replacement.py",
    # compress_image
    "compress_bgr.py", "compress_blended.py", "compress_float_output.py",
    "compress_label_image.py", "compress_grayscale.py", "compress_ignores_k.py",
    "compress_init_wrong_scale.py", "compress_k_plus_one.py", "compress_modifies_image.py",
    "compress_no_iterations.py", "compress_no_rescale.py", "compress_returns_pixels.py",
    "compress_scrambled.py", "compress_uint8_arithmetic.py",
    "compress_wrong_reshape.py",
]
FIRST_MESSAGE = 300  # characters of the first message shown in the table


def grade(name: str) -> dict:
    """results.json of one golden, graded through the command line."""
    with tempfile.TemporaryDirectory(prefix="kmeans-mistake-") as folder:
        submission = build(name, Path(folder))
        out = Path(folder) / "results.json"
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission),
                               "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            raise SystemExit(f"grading {name} failed:\n{done.stderr}")
        return json.loads(out.read_text(encoding="utf-8"))


def row(name: str, results: dict) -> str:
    failed = [t for t in results["tests"] if t["score"] < t["max_score"]]
    first = failed[0]["output"].splitlines()[0] if failed else "(every check passed)"
    if len(first) > FIRST_MESSAGE:
        first = first[:FIRST_MESSAGE - 3] + "..."
    where = f"`{failed[0]['name']}`: " if failed else ""
    functions = results["extra_data"]["functions"]
    points = [f"{functions[f]['score']:g}/{functions[f]['max_score']:g}" for f in FUNCTIONS]
    cells = [f"`{name[:-3]}`", header(GOLDEN / name)["what"], where + first, *points]
    return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"


def table(graded: dict) -> str:
    heads = ["golden", "mistake", "first message the student sees", *FUNCTIONS]
    lines = [
        "# Common mistakes and what they cost",
        "",
        "Each row is a golden submission in `tests/golden/`: a correct `kmeans.py` with one "
        "mistake students make. The table gives the first message the student reads (the first "
        "check that failed, in the order Gradescope shows them) and the points each function "
        "got. A helper's mistake costs `compress_image` at most its 4 public points (which run "
        "the student's code end to end, as on the student's machine): its 14 hidden points are "
        "graded with the grader's helpers standing in when that does better. Generated by "
        "`python examples/mistakes_table.py`; do not edit by hand.",
        "",
        "| " + " | ".join(heads) + " |",
        "|" + "---|" * len(heads),
    ]
    lines += [row(name, graded[name]) for name in MISTAKES]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="goldens graded at once")
    parser.add_argument("--out", default=str(ROOT / "docs" / "mistakes.md"))
    parser.add_argument("--results", help="a folder to keep each golden's results.json in")
    args = parser.parse_args(argv)
    missing = [name for name in MISTAKES if not (GOLDEN / name).is_file()]
    if missing:
        raise SystemExit(f"no such golden: {', '.join(missing)}")
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        graded = dict(zip(MISTAKES, pool.map(grade, MISTAKES)))
    if args.results:
        Path(args.results).mkdir(parents=True, exist_ok=True)
        for name, results in graded.items():
            (Path(args.results) / f"{name[:-3]}.json").write_text(json.dumps(results, indent=1))
    Path(args.out).write_text(table(graded), encoding="utf-8")
    print(f"wrote {args.out} ({len(MISTAKES)} mistakes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
