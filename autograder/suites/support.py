"""Checks the hidden suites share, built on the public feedback template (assignment/checks.py)."""

import numpy as np

from checks import (call, expect_array, expect_closer_than_mean_colour, expect_distinct_rows,
                    expect_unchanged, fail, only_with_a_right_result, rows_of,
                    short)


def reply_of(student):
    """What the sandbox reported about the last call (inputs modified, views returned)."""
    return getattr(student, "last_reply", None)


def expect_inputs_kept(student, name, arguments):
    """Fail if the last call modified any of its array arguments (named by position)."""
    reply = reply_of(student)
    for position, argument in enumerate(arguments):
        if reply and position in reply.modified:
            expect_unchanged(student, name, argument, position, np.zeros(0), np.zeros(0))


def expect_nearest(name, X, centroids, idx, what):
    """Every idx[i] must be a nearest centroid; near-ties from rounding are accepted either way."""
    K = len(centroids)
    if idx.min() < 0 or idx.max() >= K:
        bad = int(np.flatnonzero((idx < 0) | (idx >= K))[0])
        fail(f"{name}: {what}: idx values must be centroid indices in [0, {K}), but idx[{bad}] "
             f"is {idx[bad]} (one-based indices, or an index into the wrong axis?).", "index range")
    d = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    chosen, best = d[np.arange(len(X)), idx], d.min(axis=1)
    wrong = chosen > best + 1e-9 * (1.0 + best)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        fail(f"{name}: {what}: {int(wrong.sum())} of {len(X)} examples got a centroid that is not "
             f"the nearest. Example {i} got centroid {idx[i]} at squared distance {chosen[i]:.6g}, "
             f"but centroid {int(np.argmin(d[i]))} is at {best[i]:.6g}.", "not nearest")


def closest(student, name, X, centroids, what):
    """Call find_closest_centroids and run the template checks; return idx."""
    idx = call(student, name, X, centroids)
    expect_array(name, idx, (len(X),), "integer", "the index array idx")
    return idx


__all__ = ["call", "closest", "expect_array", "expect_closer_than_mean_colour",
           "expect_distinct_rows", "expect_inputs_kept", "expect_nearest", "fail",
           "only_with_a_right_result", "reply_of", "rows_of", "short"]
