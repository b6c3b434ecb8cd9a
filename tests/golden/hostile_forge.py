# golden: tries to write a perfect results.json, then fails every function
# standalone
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
import json
import os

FORGED = json.dumps({"score": 1000, "tests": []})
print(FORGED)
for path in ("/autograder/results/results.json", "results.json", "../results.json",
             "/sandbox/submission/results.json", "/tmp/../results.json"):
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as handle:
            handle.write(FORGED)
    except OSError:
        pass


def find_closest_centroids(X, centroids):
    raise RuntimeError("no")


compute_centroid_means = kmeans_init_centroids = compress_image = find_closest_centroids
