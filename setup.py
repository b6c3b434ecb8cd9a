"""The one compiled part: the compress engine's fused loops (autograder/compress/_kernel.c).

Everything else is configured in pyproject.toml. The extension is optional: where it cannot be
built (no C compiler, no Python headers) the package installs without it and the compress
command runs the same steps in numpy (autograder/compress/fused.py), with the same results.
"""

import os

from setuptools import Extension, setup

flags = [] if os.name == "nt" else ["-O3", "-ffp-contract=off"]  # no a * b + c in one rounding
setup(ext_modules=[Extension("autograder.compress._kernel", ["autograder/compress/_kernel.c"],
                             extra_compile_args=flags, optional=True)])
