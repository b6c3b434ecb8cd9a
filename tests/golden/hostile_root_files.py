# golden: as any uid but 0, tries to unlink, overwrite, rename and hard-link the grader's staged files beside it (the worker's own code, the copy of itself): each is refused and they stay intact, so it is graded as the correct one it wraps
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=full
import os

_STAGED = ("worker.py", "limits.py", "module")


def _attack():
    if os.getuid() == 0 or os.geteuid() == 0:
        raise RuntimeError("student code runs as root")
    here = os.path.dirname(os.path.abspath(__file__))
    for name in _STAGED:
        path = os.path.join(here, name)
        if not os.path.exists(path):
            continue
        before = os.stat(path)
        with open(path, "rb") as handle:
            content = handle.read()
        attempts = [("overwrite", lambda: open(path, "r+b").write(b"#")),
                    ("append", lambda: open(path, "ab").write(b"#")),
                    ("truncate", lambda: os.truncate(path, 0)),
                    ("rename", lambda: os.rename(path, path + ".moved")),
                    ("link", lambda: os.link(path, path + ".linked")),
                    ("unlink", lambda: os.unlink(path))]
        for what, attempt in attempts:
            try:
                attempt()
            except OSError:
                continue
            raise RuntimeError(f"{what} of the staged {name} went through")
        after = os.stat(path)
        with open(path, "rb") as handle:
            if handle.read() != content or (after.st_ino, after.st_size) != (before.st_ino,
                                                                            before.st_size):
                raise RuntimeError(f"the staged {name} changed")


_find = find_closest_centroids  # noqa: F821 - the correct one this golden wraps


def find_closest_centroids(X, centroids):
    _attack()
    return _find(X, centroids)
