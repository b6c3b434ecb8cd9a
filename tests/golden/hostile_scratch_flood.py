# golden: while it loads, writes its scratch folder full as fast as it can, in files just under the size one file may have: it is stopped at its scratch limit, not long after
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# status: unreadable
import os
import tempfile
import time

_chunk = b"x" * (1 << 20)
_started = time.monotonic()
for _count in range(4000):  # 4 GiB if nothing stopped it
    with open(os.path.join(tempfile.gettempdir(), f"flood-{_count}"), "wb") as _handle:
        for _ in range(15):
            _handle.write(_chunk)
time.sleep(5)  # the grader stops it before this line (in bubblewrap, its size-limited /tmp
raise SystemExit("not stopped")  # refuses the write past 64 MiB: an OSError that scores 0)
