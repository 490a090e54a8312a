"""Self-checks for lesson 03's exercises."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from workerlab.checks.common import call, close
from workerlab.records import CheckResult


def check_last_send(fn: Callable[[int, int, float], float]) -> CheckResult:
    """Lesson 03, exercise 1: when the producer's last ``send`` returns.

    ``n`` items are sent as fast as possible into a channel of ``capacity``; one consumer
    takes an item, works ``service`` seconds on it, then takes the next.
    """
    cases = [(10, 3, 0.1), (10, 0, 0.1), (5, 8, 0.2), (6, 1, 0.5), (4, 3, 1.0)]
    for n, capacity, service in cases:
        got, problem = call(fn, n, capacity, service)
        if problem is not None:
            return problem
        want = max(0, n - 1 - capacity) * service
        if close(got, want):
            continue
        if got < 0:
            return CheckResult(
                False,
                f"for n={n}, capacity={capacity} you returned {got:.4g} s: a time cannot be "
                "negative. When everything fits in the buffer, no send waits at all.",
            )
        if close(got, (n - 1) * service) and capacity:
            return CheckResult(
                False, "that ignores the buffer: the producer can run `capacity` items ahead."
            )
        if close(got, max(0, n - capacity) * service) or close(got, n * service):
            return CheckResult(
                False,
                "off by one item: the consumer takes the first item at time 0, and the "
                "item in its hands is no longer in the buffer.",
            )
        if want and close(got, want / service):
            return CheckResult(
                False, "that counts items: turn it into seconds (each item takes `service`)."
            )
        if capacity == 0 and close(got, (n - 2) * service):
            return CheckResult(False, "capacity 0 is a rendezvous, not a buffer of one.")
        return CheckResult(
            False,
            f"for n={n}, capacity={capacity}, service={service} s you returned "
            f"{got:.4g} s; expected {want:.4g} s.",
        )
    return CheckResult(True, "right, rendezvous included: now compare it with section 3's trace.")


def _drain_with(fn: Callable[[Any], list[Any]], ch: Any) -> tuple[Any, CheckResult | None]:
    """Call the learner's ``drain(ch)``; turn a crash or a missing return into a verdict."""
    from workerlab.channel import ChannelClosed

    try:
        got = fn(ch)
    except NotImplementedError:
        return None, CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    except ChannelClosed:
        return None, CheckResult(
            False,
            "recv() raised ChannelClosed at the end: that is how a closed, drained channel "
            "answers. Loop with `for item in ch`, or catch ChannelClosed.",
        )
    except Exception as error:  # the learner's code may raise anything; report it
        return None, CheckResult(False, f"your function raised {error!r}")
    if got is None:
        return None, CheckResult(False, "it returned None: did you forget `return`?")
    return list(got), None


def check_drain(fn: Callable[[Any], list[Any]]) -> CheckResult:
    """Lesson 03, exercise 2: receive every item from a channel until it is closed.

    First a producer thread sends 12 items, with small pauses, into a channel of capacity 2
    and then closes it; then a channel is closed with 12 items still in its buffer. Each
    time the learner's ``drain(ch)`` must return all 12, in order.
    """
    from workerlab.channel import Channel, ChannelClosed

    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    live: Channel[int] = Channel(2, timeout=0.5, name="check")

    def close() -> None:
        """Close ``live`` if nobody has yet: the producer when done, the check when the
        learner's function returned early (so a blocked send ends now, not at its timeout)."""
        with contextlib.suppress(ChannelClosed):
            live.close()

    def produce() -> None:
        try:
            for item in range(12):
                time.sleep(0.003)
                live.send(item)
        except (ChannelClosed, TimeoutError):  # the learner stopped receiving; just stop
            pass
        finally:
            close()

    producer = threading.Thread(target=produce, name="check-producer")
    producer.start()
    try:
        got, problem = _drain_with(fn, live)
    finally:
        close()
        producer.join(timeout=15)
    if problem is not None:
        return problem
    if len(got) < 12 and got == list(range(len(got))):
        return CheckResult(
            False,
            f"you stopped after {len(got)} of 12 items. len(ch) is what waits *now*, not "
            "what is still coming: keep receiving until the channel is closed.",
        )
    if got != list(range(12)):
        return CheckResult(False, f"expected the items 0 … 11 in order, got {got[:6]}…")

    full: Channel[int] = Channel(12, timeout=0.5, name="check")
    for item in range(12):
        full.send(item)
    full.close()
    got, problem = _drain_with(fn, full)
    if problem is not None:
        return problem
    if got != list(range(12)):
        return CheckResult(
            False,
            f"on a channel closed with 12 items still waiting you returned {len(got)}: "
            "closed means no more *sends*, not no more items. Receive until it is closed "
            "*and* drained.",
        )
    return CheckResult(True, "right: every item, in order, however the channel was closed.")
