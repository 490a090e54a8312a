"""Where is a thread right now? (introduced in lesson 05)

A leaf module. The leak checker and the deadlock watchdog both answer "where is it
blocked?" with :func:`where`, read from ``sys._current_frames()`` (CPython's map from each
running thread to the frame it is executing).
"""

from __future__ import annotations

import os
import sys
import sysconfig
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

_LIBRARY_FOLDERS = tuple(
    str(Path(p).resolve())
    for p in {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
)
_PACKAGE = str(Path(__file__).resolve().parent) + os.sep

#: ``hide(path, function)``: true for a frame a report should leave out.
FrameFilter = Callable[[str, str], bool]


@dataclass(frozen=True, slots=True)
class FrameInfo:
    """One line of a thread's stack: the ``function``, its ``file`` and ``line``.

    ``file`` is a short name (a notebook cell reads ``In[7]``), never a full path of the
    machine. ``library`` is true for the standard library and installed packages,
    ``course`` for this package's own modules (neither: the learner's code).
    """

    function: str
    file: str
    line: int
    library: bool
    course: bool = False

    def __str__(self) -> str:
        return f"{self.function}  {self.file}:{self.line}"


def is_private_helper(path: str, function: str) -> bool:
    """A ``_helper`` of a workerlab module (say ``Channel._wait``): machinery, not a call site.

    Left out of reports so the frames they have room for show what was called (``recv``,
    ``__iter__``) and the learner's line that called it.
    """
    dunder = function.startswith("__") and function.endswith("__")
    return path.startswith(_PACKAGE) and function.startswith("_") and not dunder


def short_file(filename: str) -> str:
    """``In[7]`` for a notebook cell, else the file's name without its folders."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        label = shell.compile.format_code_name(filename)
        if label is not None:
            return label[1]
    return Path(filename).name


def stack(frame: FrameType | None, hide: FrameFilter = is_private_helper) -> list[FrameInfo]:
    """The stack from ``frame`` outwards, innermost first, without the frames ``hide`` names."""
    frames = []
    while frame is not None:
        filename = frame.f_code.co_filename
        path = filename if filename.startswith("<") else str(Path(filename).resolve())
        if not hide(path, frame.f_code.co_name):
            library = path.startswith((*_LIBRARY_FOLDERS, "<frozen"))
            name, line = frame.f_code.co_name, frame.f_lineno
            course = path.startswith(_PACKAGE)
            frames.append(FrameInfo(name, short_file(filename), line, library, course))
        frame = frame.f_back
    return frames


def where(
    thread: threading.Thread, *, depth: int = 3, hide: FrameFilter = is_private_helper
) -> list[FrameInfo]:
    """Where ``thread`` is now: its innermost frame, the course's calls it is in, then up to
    ``depth`` frames of your code.

    The innermost frame says what it is blocked in (say ``get  queue.py:171``); the course's
    frames say which of its calls that is (``recv``); your frames (neither the standard
    library's, nor installed packages', nor the course's) say who called it. Empty if the
    thread is not running.
    """
    if not isinstance(thread, threading.Thread):
        raise TypeError(f"thread must be a threading.Thread, got {type(thread).__name__}")
    frame = sys._current_frames().get(thread.ident) if thread.ident is not None else None
    frames = stack(frame, hide)
    if not frames:
        return []
    own = [f for f in frames if not f.library]
    yours = next((i for i, f in enumerate(own) if not f.course), len(own))
    own = own[: yours + depth]
    return own if frames[0] in own else [frames[0], *own]
