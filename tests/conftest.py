"""Shared fixtures for the unit tests."""

from __future__ import annotations

import pytest

from workerlab import leak


@pytest.fixture(autouse=True)
def no_leaked_threads():
    """Every test runs inside the leak checker of lesson 05 (``workerlab.leak``).

    A test that leaves a thread running fails, with the thread's name and where it is
    blocked; threads that are about to exit get two seconds to do so.
    """
    with leak.no_leaked_threads(grace=2.0):
        yield
