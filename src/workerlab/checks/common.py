"""What every lesson's self-checks share: calling the learner's function safely.

A check calls the learner's function on several inputs, compares it with the reference,
and when it is wrong says *what* is wrong, recognising the usual mistakes (not just
"incorrect"). Tests prove each check rejects a plausible wrong answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from workerlab.records import CheckResult


def close(a: float, b: float, rel: float = 0.01) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def call(fn: Callable[..., Any], *args: Any) -> tuple[Any, CheckResult | None]:
    """Call the learner's function; turn a crash or a non-number into a helpful verdict."""
    if not callable(fn):
        return None, CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    try:
        value = fn(*args)
    except NotImplementedError:
        return None, CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    except Exception as error:  # the learner's code may raise anything; report it plainly
        return None, CheckResult(False, f"calling it with {args} raised {error!r}")
    if value is None:
        return None, CheckResult(False, "it returned None: did you forget `return`?")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, CheckResult(False, f"it should return a number, got {type(value).__name__}")
    return value, None


# --- the hints every lesson gives in the same words -----------------------------------------


def in_milliseconds(got: float, want: float) -> CheckResult | None:
    """A verdict if ``got`` is ``want`` in milliseconds instead of seconds, else ``None``.

    Every timing exercise in the course works in seconds; check this before anything else.
    """
    if close(got, 1000 * want) and want:
        return CheckResult(
            False,
            f"you returned {got:.4g}, which is the answer in milliseconds: the inputs and "
            "the answer are in seconds (divide by 1000).",
        )
    return None


def off_by_one(got: float, want: float, step: float, unit: str) -> CheckResult | None:
    """A verdict if ``got`` is one ``unit`` (worth ``step``) more or less than ``want``."""
    for sign, word in ((1, "more"), (-1, "fewer")):
        if step and close(got, want + sign * step):
            return CheckResult(
                False,
                f"off by one: your answer counts one {unit} {word} than there are "
                f"({got:.4g} instead of {want:.4g}).",
            )
    return None


def rounded(got: float, want: float) -> CheckResult | None:
    """A verdict if ``got`` is ``want`` rounded (or truncated) to at most 3 decimals, else
    ``None``: the value is right, but rounding belongs where it is printed, not returned."""
    if close(got, want, rel=1e-6):
        return None
    for digits in range(4):
        scale = 10**digits
        if any(close(got, f(want * scale) / scale, rel=1e-9) for f in (round, int)):
            places = "a whole number" if digits == 0 else f"{digits} decimal place(s)"
            return CheckResult(
                False,
                f"you returned {got:g}: the right value ({want:.6g}) rounded to {places}. "
                "Return it unrounded; round only where you print it (f\"{x:.2f}\").",
            )
    return None


def wrong_value(case: str, got: float, want: float) -> CheckResult:
    """The closing verdict when no known mistake explains ``got``: the case and both values."""
    return CheckResult(False, f"for {case} you returned {got:.4g}; expected {want:.4g}.")
