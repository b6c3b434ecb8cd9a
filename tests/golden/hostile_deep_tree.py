# golden: while it loads, nests thousands of folders in its scratch folder, each named relative to the last (deeper than a path can name): it is stopped, and its folder removed all the same
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# status: unreadable
import os
import tempfile
import time

_folder = os.open(tempfile.gettempdir(), os.O_RDONLY | os.O_DIRECTORY)
for _level in range(5000):
    os.mkdir("d" * 200, dir_fd=_folder)
    _inner = os.open("d" * 200, os.O_RDONLY | os.O_DIRECTORY, dir_fd=_folder)
    os.close(_folder)
    _folder = _inner
time.sleep(5)  # the grader stops it before this line (bubblewrap's size-limited /tmp has no
raise SystemExit("not stopped")  # depth or count limit: this line makes it 0 there too)
