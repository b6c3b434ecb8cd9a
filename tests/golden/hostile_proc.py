# golden: reads the grader's command line and other processes' from /proc to find a classmate's submission, and copies it
# standalone
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
import os

FOUND = []
try:
    pids = [str(os.getppid()), "1", *os.listdir("/proc")]
except OSError:
    pids = [str(os.getppid()), "1"]
for pid in pids:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            words = handle.read().decode("utf-8", "replace").split("\0")
    except OSError:
        continue
    for word in words:
        if word.endswith(".py") and os.path.isfile(word):
            try:
                with open(word) as handle:
                    text = handle.read()
            except OSError:
                continue
            if "def find_closest_centroids" in text and "NotImplementedError" not in text:
                FOUND.append(text)

namespace = {}
for text in FOUND:
    try:
        exec(text, namespace)
        break
    except Exception:
        namespace = {}


def find_closest_centroids(X, centroids):
    if "find_closest_centroids" not in namespace:
        raise NotImplementedError(f"nothing readable in /proc ({len(FOUND)} files)")
    return namespace["find_closest_centroids"](X, centroids)


compute_centroid_means = kmeans_init_centroids = compress_image = find_closest_centroids
