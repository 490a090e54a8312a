"""Lesson 06: measure before you optimize: a job that feels slow, and cProfile saying why.

:func:`slow_report` is a job a learner might want to spread over workers. Profiled
(:func:`profile_call`), nearly all its time turns out to be one function,
:func:`unique_in_order`, which checks membership in a *list*: O(n²). One line
(:func:`unique_in_order_fast`) beats any number of workers.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from workerlab.validate import callable_arg, positive_int


def tokenize(text: str) -> list[str]:
    """Lower-case words of ``text`` (a step of :func:`slow_report`)."""
    return [word.strip(".,;:!?") for word in text.lower().split()]


def unique_in_order(words: Sequence[str]) -> list[str]:
    """Distinct words in first-seen order, checked against a *list*: O(n²), the hidden cost."""
    seen: list[str] = []
    for word in words:
        if word not in seen:
            seen.append(word)
    return seen


def unique_in_order_fast(words: Sequence[str]) -> list[str]:
    """The same result as :func:`unique_in_order` in O(n): ``dict`` keys keep insertion order."""
    return list(dict.fromkeys(words))


def slow_report(text: str, unique: Callable[[Sequence[str]], list[str]] = unique_in_order) -> str:
    """A job that feels slow: tokenize, find distinct words, summarise."""
    words = tokenize(text)
    distinct = unique(words)
    longest = sorted(distinct, key=len, reverse=True)[:3]
    return f"{len(words)} words, {len(distinct)} distinct; longest: {', '.join(longest)}"


def sample_text(words: int = 6000, vocabulary: int = 3000, seed: int = 6) -> str:
    """Deterministic text of ``words`` words drawn from ``vocabulary`` made-up words."""
    positive_int("words", words)
    positive_int("vocabulary", vocabulary)
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(vocabulary)]
    return " ".join(rng.choices(vocab, k=words))


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """One function in a profile: calls, seconds in its own code, seconds including callees."""

    function: str
    calls: int
    own_seconds: float
    cumulative_seconds: float


def profile_call(fn: Callable[..., Any], *args: Any) -> list[ProfileRow]:
    """Run ``fn(*args)`` under ``cProfile``; return every function, most own time first.

    Functions are named ``module:function`` (built-ins by their name), without file paths.
    """
    callable_arg("fn", fn)
    profiler = cProfile.Profile()
    profiler.runcall(fn, *args)
    stats = pstats.Stats(profiler).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    rows = []
    for (filename, _line, name), (_cc, calls, own, cumulative, _callers) in stats.items():
        if filename == "~":
            label = name.strip("<>").removeprefix("built-in method ")
        else:
            module = os.path.splitext(os.path.basename(filename))[0]
            label = f"{module}:{name}"
        rows.append(ProfileRow(label, calls, own, cumulative))
    rows.sort(key=lambda r: r.own_seconds, reverse=True)
    return rows


def profile_table(rows: Sequence[ProfileRow], top: int = 5) -> str:
    """The ``top`` rows as a text table, own time in milliseconds."""
    lines = [f"{'function':<38} {'calls':>7} {'own ms':>8} {'cum ms':>8}"]
    for row in rows[:top]:
        lines.append(
            f"{row.function[:38]:<38} {row.calls:>7} "
            f"{row.own_seconds * 1e3:>8.1f} {row.cumulative_seconds * 1e3:>8.1f}"
        )
    return "\n".join(lines)
