"""The K-means assignment's grading engine and tools; run as ``python -m autograder``."""
