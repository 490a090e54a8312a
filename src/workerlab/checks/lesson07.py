"""Self-checks for lesson 07's exercises."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from workerlab.checks.common import call, close, in_milliseconds, off_by_one, wrong_value
from workerlab.records import CheckResult

#: (attempt, base, cap): the first four never reach the cap, the last one does.
BACKOFF_CASES = [(1, 0.1, 10.0), (2, 0.1, 10.0), (3, 0.5, 10.0), (5, 0.1, 10.0), (8, 0.1, 3.0)]


def _backoff(
    attempt: int, base: float, cap: float, *, shift: int = 0, limit: Callable[..., float] = min
) -> float:
    """The right delay (by default), or a usual mistake: the exponent off, ``max`` for ``min``."""
    return limit(cap, base * 2 ** (attempt - 1 + shift))


def check_backoff(fn: Callable[[int, float, float], float]) -> CheckResult:
    """Lesson 07, exercise 1: the exponential retry delay, capped.

    Every case is run first; then the answers are compared with the usual mistakes, each a
    whole formula over every case, so the message names the mistake rather than a number.
    """
    answers = []
    for case in BACKOFF_CASES:
        got, problem = call(fn, *case)
        if problem is not None:
            return problem
        answers.append(got)

    def like(formula: Callable[[int, float, float], float]) -> bool:
        """The answers agree with ``formula`` in every case."""
        return all(close(a, formula(*c)) for a, c in zip(answers, BACKOFF_CASES, strict=True))

    if like(_backoff):
        return CheckResult(True, "right: every case agrees, the doubling and the cap included.")
    got, (attempt, base, cap) = next(
        (a, c) for a, c in zip(answers, BACKOFF_CASES, strict=True) if not close(a, _backoff(*c))
    )
    want, case = _backoff(attempt, base, cap), f"backoff({attempt}, {base}, {cap})"
    if (verdict := in_milliseconds(got, want)) is not None:
        return verdict
    if like(partial(_backoff, limit=max)):
        return CheckResult(
            False,
            f"{case} returned {got:.4g}: the larger of the doubling "
            f"({base * 2 ** (attempt - 1):.4g} s) and the cap ({cap:g} s). With `max` every "
            "wait is at least the cap; the cap is a ceiling, so take the smaller: `min(cap, …)`.",
        )
    if like(lambda n, b, c: b * 2 ** (n - 1)):
        return CheckResult(
            False, f"{case} returned {got:.4g} s: past the cap of {cap:g} s. Cap it with `min`."
        )
    if like(partial(_backoff, shift=1)) or like(partial(_backoff, shift=-1)):
        verdict = off_by_one(got, want, abs(got - want), "doubling")
        assert verdict is not None  # got is want ± that step, by construction
        return CheckResult(False, f"{verdict.message} After attempt 1 the wait is `base` itself.")
    if like(lambda n, b, c: min(c, b * n)):
        return CheckResult(False, "that grows linearly (base × attempt); double it each time.")
    if like(lambda n, b, c: b) or like(lambda n, b, c: c):
        return CheckResult(False, "the delay should grow with each attempt, up to the cap.")
    return wrong_value(case, got, want)


def check_record_receipt(fn: Callable[[Path, int], Any]) -> CheckResult:
    """Lesson 07, exercise 2: a receipt that is safe to write twice, and never half written.

    Runs the learner's ``fn(folder, job_id)`` for job 7, for job 7 again (as at-least-once
    delivery may), then for job 8 over half a receipt that an earlier attempt left when it
    crashed mid-write. The folder must then hold exactly one whole receipt per job
    (``receipt-<id>.txt`` saying ``receipt for job <id>``) and nothing else.

    Atomic means the receipt is *replaced* by a rename from the same folder, never opened
    for writing nor deleted first, where a reader (or a crash) can catch it missing, empty
    or half written. The check sees which files the function opens, renames and deletes
    through Python's audit events (:func:`sys.addaudithook`), so the verdict does not
    depend on the file system.
    """
    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for job_id in (7, 7):  # a job, and the same job again: at-least-once delivery
            problem = _run(fn, folder, job_id)
            if problem is None:
                problem = _whole_receipt(folder, job_id)
            if problem is not None:
                return problem
        half = folder / "receipt-8.txt"
        half.write_text("receipt for jo")  # what a crash in the middle of a write leaves
        with _file_events(folder) as events:
            problem = _run(fn, folder, 8)
        if problem is not None:
            return problem
        if half.read_text() == "receipt for jo":
            return CheckResult(
                False,
                "receipt-8.txt held half a receipt (an earlier attempt crashed mid-write) and "
                "your function kept it: a rerun must write the whole receipt again, not skip "
                "a file that exists.",
            )
        problem = _whole_receipt(folder, 8)
        if problem is not None:
            return problem
        problem = _atomic(events, half)
        if problem is not None:
            return problem
        files = sorted(p.name for p in folder.iterdir())
        if files != ["receipt-7.txt", "receipt-8.txt"]:
            leftovers = [f for f in files if f not in ("receipt-7.txt", "receipt-8.txt")]
            return CheckResult(
                False,
                f"it left extra files behind: {leftovers}. Rename temporary files into place.",
            )
    return CheckResult(
        True,
        "right: a rerun leaves the same single receipt (idempotent), swapped in whole "
        "by a rename (atomic).",
    )


def _run(fn: Callable[[Path, int], Any], folder: Path, job_id: int) -> CheckResult | None:
    """Call the learner's function; a verdict if it raised, else None."""
    try:
        fn(folder, job_id)
    except NotImplementedError:
        return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    except Exception as error:  # the learner's code may raise anything; report it plainly
        return CheckResult(False, f"running it for job {job_id} raised {error!r}")
    return None


def _whole_receipt(folder: Path, job_id: int) -> CheckResult | None:
    """A verdict unless ``folder`` holds ``receipt-<job_id>.txt`` with exactly its text."""
    path = folder / f"receipt-{job_id}.txt"
    if not path.is_file():
        files = sorted(p.name for p in folder.iterdir())
        return CheckResult(
            False, f"after job {job_id} the folder holds {files}, but no {path.name}."
        )
    text, want = path.read_text(), f"receipt for job {job_id}"
    if text.count(want) > 1:
        return CheckResult(
            False,
            f"{path.name} says {text!r}: running job {job_id} twice must leave one receipt, "
            "not add a second one.",
        )
    if text.strip() != want:
        return CheckResult(False, f"{path.name} says {text!r}; it should say {want!r}.")
    return None


# What the learner's function did to files, recorded from Python's audit events: a hook
# cannot be removed once added, so one hook serves every check and records only while a
# check listens, only paths inside the check's own folder.
_listening: dict[Path, list[tuple[str, Path, Path | None]]] = {}
_hook_added: list[bool] = []  # one hook per process, added by the first check that listens
_adding = threading.Lock()
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_TRUNC | os.O_APPEND


def _path(arg: Any) -> Path | None:
    if not isinstance(arg, str | bytes | os.PathLike):
        return None  # a file descriptor
    return Path(os.path.abspath(os.fsdecode(arg)))


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _listening or event not in ("open", "os.rename", "os.remove"):
        return
    try:  # a hook that raised would break the operation it watches, in any thread
        if event == "open":
            path, mode, flags = args
            if isinstance(mode, str):  # open(): a mode; os.open(): flags only
                writes = any(c in mode for c in "wax+")
            else:
                writes = bool(flags & _WRITE_FLAGS)
            record = ("write", _path(path), None) if writes else None
        elif event == "os.rename":
            record = ("rename", _path(args[1]), _path(args[0]))
        else:
            record = ("remove", _path(args[0]), None)
        if record is None or record[1] is None:
            return
        for folder, events in list(_listening.items()):
            if folder in record[1].parents or (record[2] and folder in record[2].parents):
                events.append(record)
    except Exception:  # never let the check's bookkeeping break the kernel
        pass


@contextmanager
def _file_events(folder: Path) -> Iterator[list[tuple[str, Path, Path | None]]]:
    """Record (what, path, renamed from) for each file opened for writing, renamed or
    deleted in ``folder`` or with a rename into it, while the block runs."""
    with _adding:
        if not _hook_added:
            sys.addaudithook(_hook)
            _hook_added.append(True)
    events: list[tuple[str, Path, Path | None]] = []
    key = Path(os.path.abspath(folder))
    _listening[key] = events
    try:
        yield events
    finally:
        del _listening[key]


def _atomic(events: list[tuple[str, Path, Path | None]], receipt: Path) -> CheckResult | None:
    """A verdict unless ``receipt`` was only ever put in place by a rename from its folder."""
    receipt = Path(os.path.abspath(receipt))
    done_to_it = [(what, source) for what, path, source in events if path == receipt]
    if any(what == "remove" for what, _ in done_to_it):
        return CheckResult(
            False,
            f"{receipt.name} was deleted before the new one came: in between, a reader or a "
            "crash finds no receipt at all. No need to delete it: `Path.replace` puts the "
            "new file over the old one in one step.",
        )
    if any(what == "write" for what, _ in done_to_it):
        return CheckResult(
            False,
            f"{receipt.name} was rewritten in place: from the moment it is opened (which "
            "empties it) to its last write, a reader or a crash finds half a receipt. "
            "Write a temporary file in the same folder, then `Path.replace` it onto the "
            "receipt's name: the rename swaps in the whole file at once.",
        )
    sources = [source for what, source in done_to_it if what == "rename"]
    if not sources:
        return CheckResult(
            False, f"{receipt.name} did not come from a rename: `Path.replace` it into place."
        )
    if any(source is None or source.parent != receipt.parent for source in sources):
        return CheckResult(
            False,
            "the temporary file was written in another folder and renamed onto the receipt: "
            "across file systems a rename fails (EXDEV) or becomes a copy, which is not "
            "atomic. Write the temporary file in the receipt's own folder.",
        )
    return None
