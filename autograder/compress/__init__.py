"""Compress a photo to K colours: the `compress` command and the K-means engine it runs on.

The command is for learners, so by default it picks good colours: greedy k-means++ seeding on
the photo's distinct colours weighted by how many pixels have each, then Lloyd's steps until the
colours settle (five steps in a row each lower the distortion by at most 1e-5 of itself,
``TOL``). ``init="random"`` does what the assignment's ``compress_image`` does
(K distinct pixels drawn with the seed, 10 steps), with the same result. The output keeps
exactly the K colours found: by default an indexed (palette) PNG.

One job a module, each readable alone:

- :mod:`.colours`   an image's distinct colours and their counts, found once;
- :mod:`.fused`     the default's Lloyd steps: a compiled kernel (``_kernel.c``, built when a C
                    compiler is there) and its numpy twin, with the same results;
- :mod:`.lloyd`     Lloyd's steps on weighted rows, with the graded functions' labels (for
                    ``--init random``);
- :mod:`.seeding`   greedy k-means++ seeding;
- :mod:`.palette`   K colours for an image, from those three;
- :mod:`.png`       a palette PNG written directly, its rows compressed on two threads;
- :mod:`.command`   the command: reading the photo, the report, writing the palette image.

It imports neither the grader nor pytest: ``python -X importtime -m autograder compress`` shows
numpy, Pillow and these modules (the reference only for ``--init random``).
"""

from .colours import Colours, unique_colours
from .command import (FORMATS, LOSSY, CompressionReport, TerminalProgress, compress_photo,
                      output_format, plural, ratio, write_indexed)
from .lloyd import WeightedLloyd, run_weighted_kmeans, weighted_means
from .palette import (ASSIGNMENT_STEPS, INITS, MAX_STEPS, TOL, Quantized, quantize,
                       quantize_colours)
from .seeding import kmeans_plus_plus, tries_for

__all__ = ["ASSIGNMENT_STEPS", "FORMATS", "INITS", "LOSSY", "MAX_STEPS", "Colours",
           "CompressionReport", "Quantized", "TOL", "TerminalProgress", "WeightedLloyd",
           "compress_photo", "kmeans_plus_plus", "output_format", "plural", "quantize",
           "quantize_colours", "ratio", "run_weighted_kmeans", "tries_for", "unique_colours",
           "weighted_means", "write_indexed"]
