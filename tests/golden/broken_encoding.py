# golden: a file saved as Latin-1, not UTF-8
# standalone
# expect: find_closest_centroids=0 compute_centroid_means=0 kmeans_init_centroids=0 compress_image=0
# status: unreadable
# says: kmeans.py is not UTF-8 text (byte 0xe9 on line 8): save it with UTF-8 encoding.
import numpy as np

# Renée wrote this
