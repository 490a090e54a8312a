"""Shared fixtures for the unit tests."""

from __future__ import annotations

import threading

import pytest

from workerlab.lesson import extra_threads


@pytest.fixture
def no_extra_threads():
    """Fail the test if it leaves a thread running (after a short grace period)."""
    before = set(threading.enumerate())
    yield
    left = extra_threads(before, grace=2.0)
    assert not left, f"test left threads running: {[t.name for t in left]}"
