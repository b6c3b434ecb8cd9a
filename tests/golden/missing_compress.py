# golden: compress_image deleted: the other functions are still graded
# base: correct_broadcast.py
# expect: find_closest_centroids=full compute_centroid_means=full kmeans_init_centroids=full compress_image=0
# says: compress_image: kmeans.py does not define a function called compress_image.
del compress_image
