"""What a hidden check lets out, and what a patched harness can hide, in every isolation mode.

Two hostile goldens, graded in each mode forced with KMEANS_SANDBOX (run_golden checks their
headers, and that no results.json of any golden carries 8 consecutive bytes of a hidden image,
as stored or as pixels, in characters, hex or numbers): one keeps the hidden images and
smuggles their bytes through every channel a call has; one modifies its inputs and patches the
worker's harness to report them unchanged, and still loses the points for it.
"""

import pytest

from test_seccomp import check_layers, forced, golden

MODES = ["bubblewrap", "landlock", "process"]


@pytest.mark.parametrize("mode", MODES)
def test_hidden_image_bytes_never_reach_the_results(mode, tmp_path):
    results = golden.run_golden("hostile_smuggle_hidden.py", tmp_path, env=forced(mode))
    check_layers(results, mode)
    hidden = [t for t in results["tests"] if not t["name"].startswith("compress_image: a ")
              and t["score"] < t["max_score"] and "hidden check" in t["output"]]
    assert hidden, "the smuggling golden should fail hidden checks, worded as hidden"


@pytest.mark.parametrize("mode", MODES)
def test_a_patched_harness_cannot_hide_a_modified_input(mode, tmp_path):
    results = golden.run_golden("hostile_hide_mutation.py", tmp_path, env=forced(mode))
    check_layers(results, mode)
    said = {t["name"]: t["output"] for t in results["tests"]}
    assert "changed one of its array arguments" in said[
        "find_closest_centroids: X and centroids are not modified (50 points, K = 3)"]
