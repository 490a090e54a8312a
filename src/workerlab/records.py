"""Records every layer shares (introduced in lesson 00).

A leaf module: it imports nothing from ``workerlab``, so anything may import it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict of a check: ``passed`` and a message for the learner.

    It is true when the check passed, so ``assert check(...)`` and ``if not check(...)``
    read naturally; in a notebook it shows as ``✅ message`` or ``❌ message``.
    """

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return ("✅ " if self.passed else "❌ ") + self.message
