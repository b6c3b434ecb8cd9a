# golden: a correct solution that imports pytest, which the grader itself has installed (as it may
# have scikit-learn): only what the assignment allows is importable, so it is graded as anywhere
# base: correct_broadcast.py
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# status: unreadable
# says: ModuleNotFoundError: No module named 'pytest'
# says: Only numpy, matplotlib, pillow (imported as PIL) and the standard library are available to submissions
import pytest  # noqa: F401
