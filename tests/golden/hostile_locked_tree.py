# golden: while it loads, nests folders it cannot list (made 0o300), each with a read-only file and folders made 000 and 0o500, so a remover that does not fix permission bits cannot empty them: it is stopped, and its folder removed all the same
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# status: unreadable
import os
import tempfile
import time

_folder = os.open(tempfile.gettempdir(), os.O_PATH | os.O_DIRECTORY)
for _level in range(3000):
    _file = os.open("locked", os.O_WRONLY | os.O_CREAT, 0o400, dir_fd=_folder)
    os.write(_file, b"x" * 100)
    os.close(_file)
    os.mkdir("closed", 0o000, dir_fd=_folder)
    os.mkdir("read-only", 0o500, dir_fd=_folder)
    os.mkdir("d", 0o300, dir_fd=_folder)
    _inner = os.open("d", os.O_PATH | os.O_DIRECTORY, dir_fd=_folder)
    os.close(_folder)
    _folder = _inner
time.sleep(5)  # the grader stops it before this line (bubblewrap's size-limited /tmp has no
raise SystemExit("not stopped")  # depth or count limit: this line makes it 0 there too)
