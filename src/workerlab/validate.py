"""Argument checks shared by every helper (introduced in lesson 01).

Each helper checks its arguments *before* it touches a file or starts a thread, and a
bad value gets a ``TypeError`` (wrong kind) or ``ValueError`` (right kind, bad value) whose
message names the argument, so a learner sees at once which one to fix.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """Return ``value`` if it is an int >= ``minimum`` (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def positive_number(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is a finite real number > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return float(value)


def existing_folder(name: str, value: Any) -> Path:
    """Return ``value`` as a Path if it names a folder that exists."""
    if not isinstance(value, str | os.PathLike):
        raise TypeError(f"{name} must be a path (str or Path), got {type(value).__name__}")
    path = Path(value)
    if not path.is_dir():
        raise ValueError(f"{name} must be an existing folder, but {path.name!r} is not one")
    return path


def callable_arg(name: str, value: Any) -> Callable[..., Any]:
    """Return ``value`` if it can be called."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__} {value!r}")
    return value
