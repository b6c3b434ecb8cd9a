"""Shared fixtures for the project's own tests."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def ref():
    """The reference solution module."""
    from autograder import reference

    return reference.load()
