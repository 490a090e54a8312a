"""Self-checks for lesson 03's exercises."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workerlab.channel import Channel, ChannelClosed, ChannelTimeout, WouldBlock
from workerlab.checks.common import call, close, in_milliseconds, off_by_one, wrong_value
from workerlab.records import CheckResult
from workerlab.validate import positive_number

# --- exercise 1: when does the last send return? --------------------------------------------


def check_last_send(fn: Callable[[int, int, float], float]) -> CheckResult:
    """Lesson 03, exercise 1: when the producer's last ``send`` returns.

    ``n`` items are sent as fast as possible into a channel of ``capacity``; one consumer
    takes an item, works ``service`` seconds on it, then takes the next. Item ``i`` goes in
    once the consumer has taken item ``i - capacity`` (at ``(i - capacity) * service``), so
    the last send returns at ``max(0, n - 1 - capacity) * service``.
    """
    cases = [(10, 3, 0.1), (10, 0, 0.1), (5, 8, 0.2), (6, 1, 0.5), (4, 3, 1.0)]
    for n, capacity, service in cases:
        got, problem = call(fn, n, capacity, service)
        if problem is not None:
            return problem
        want = max(0, n - 1 - capacity) * service
        if not close(got, want):
            return _last_send_mistake(n, capacity, service, got, want)
    return CheckResult(True, "right, rendezvous included: now compare it with section 4's trace.")


def _last_send_mistake(
    n: int, capacity: int, service: float, got: float, want: float
) -> CheckResult:
    """Say which plausible mistake gives ``got`` instead of ``want``, most specific first."""
    case = f"n={n}, capacity={capacity}, service={service} s"
    known = in_milliseconds(got, want)
    if known is not None:
        return known
    if got < 0:
        return CheckResult(
            False,
            f"for {case} you returned {got:.4g} s: a time cannot be negative. When every "
            "item fits in the buffer, no send waits at all: the answer is 0.",
        )
    if close(got, n * service):
        return CheckResult(
            False,
            f"for {case} you returned {got:.4g} s, n × service: that is when the consumer "
            "*finishes* the last item. The producer is done sooner: its last send returns "
            "as soon as the last item has a place in the buffer.",
        )
    if capacity and close(got, (n - 1) * service):
        return CheckResult(
            False,
            f"for {case} you returned {got:.4g} s: that ignores the buffer, as if every "
            "send waited for the consumer. The producer can run `capacity` items ahead.",
        )
    if not capacity and close(got, max(0, n - 2) * service):
        return CheckResult(
            False,
            f"for {case} you returned {got:.4g} s: capacity 0 is a rendezvous, not a "
            "buffer of one. Each send waits until the consumer takes that very item.",
        )
    known = off_by_one(got, want, service, "item")
    if known is not None:
        more = got > want
        why = (
            " The consumer takes item 0 at time 0, and the item in its hands is no longer "
            "in the buffer."
            if more
            else " Item i goes in once the consumer has *taken* item i − capacity; it takes "
            "item k at k × service."
        )
        return CheckResult(False, f"for {case}: " + known.message + why)
    if want and close(got, want / service):
        return CheckResult(
            False,
            f"for {case} you returned {got:.4g}: that counts items; turn it into seconds "
            "(each item takes `service`).",
        )
    return wrong_value(case, got, want)


# --- exercise 2: drain a channel --------------------------------------------------------------

#: How long the check waits for the learner's ``drain`` before it ends the run.
_PATIENCE = 5.0
#: A stalled producer's pause "outlasts every timeout" (the check plays it out without
#: making anyone wait); it ends, by closing the channel, after this many looks at the
#: empty channel or this many seconds, for code that keeps retrying.
_STALL_LOOKS, _STALL_SECONDS = 200, 1.0


class _CheckOver(BaseException):
    """Raised inside the learner's ``drain`` once the check has waited long enough (a
    BaseException, so an ``except Exception`` in the learner's loop cannot swallow it)."""


class _WatchedChannel(Channel[int]):
    """The check's channel: it records how the learner receives, and can stall.

    While ``stalled``, the producer has gone quiet for longer than *any* timeout: a
    ``recv`` that would have to wait raises :class:`ChannelTimeout` at once, as it would
    when its timeout (whatever its length) ran out, so a learner who passes
    ``timeout=60`` is not kept waiting a minute. The stall ends by closing the channel.
    """

    def __init__(self, capacity: int, *, stalled: bool = False) -> None:
        super().__init__(capacity, timeout=10.0, name="check")
        self.stalled = stalled
        #: The receives that gave up: (seconds waited, whether the learner chose them).
        self.timeouts: list[tuple[float, bool]] = []
        self.would_block = 0  # recv_nowait() calls that found nothing
        self.looks = 0  # attempts to receive from the stalled, empty channel
        self.over = threading.Event()  # set by the check: every later receive ends the run

    def recv(self, timeout: float | None = None) -> int:
        if self.over.is_set():
            raise _CheckOver
        wait = (
            self.timeout
            if timeout is None
            else positive_number("timeout", timeout, allow_zero=True)
        )
        try:
            if not self.stalled:
                return super().recv(timeout)
            try:
                return super().recv_nowait()
            except WouldBlock:
                self._look()
                raise ChannelTimeout(
                    f"recv on {self.name!r} waited {wait:g} s: nothing arrived"
                ) from None
        except ChannelTimeout:
            self.timeouts.append((wait, timeout is not None))
            raise

    def recv_nowait(self) -> int:
        if self.over.is_set():
            raise _CheckOver
        try:
            return super().recv_nowait()
        except WouldBlock:
            self.would_block += 1
            if self.stalled:
                self._look()
            raise

    def _look(self) -> None:
        """One more look at the stalled channel; the producer ends the stall by closing."""
        self.looks += 1
        if self.looks >= _STALL_LOOKS:
            self.end_stall()

    def end_stall(self) -> None:
        self.stalled = False
        with contextlib.suppress(ChannelClosed):
            self.close()


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What the learner's ``drain`` did: its items or its error, whether the channel was
    already closed when it returned, whether it ended by itself, and whether its thread is
    still running (it caught even the check's end)."""

    items: list[Any] | None
    error: BaseException | None
    closed_when_done: bool
    finished: bool
    alive: bool


def _run_drain(fn: Callable[[Any], Any], ch: _WatchedChannel) -> _Outcome:
    """Run ``drain(ch)`` in a thread of its own, for at most :data:`_PATIENCE` seconds."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            got = fn(ch)
            box["closed"] = ch.closed
            box["items"] = got if got is None or isinstance(got, list) else (type(got), list(got))
        except _CheckOver:
            box["over"] = True
        except BaseException as error:  # the learner's code may raise anything; report it
            box["closed"] = ch.closed
            box["error"] = error

    learner = threading.Thread(target=run, name="check-drain")
    learner.start()
    learner.join(_PATIENCE)
    ch.over.set()  # a drain that keeps looping meets _CheckOver at its next receive
    with contextlib.suppress(ChannelClosed):
        ch.close()  # and one that waits in a receive sees the end now
    learner.join(1.0)
    alive = learner.is_alive()
    finished = not alive and "over" not in box
    return _Outcome(box.get("items"), box.get("error"), box.get("closed", False), finished, alive)


def _stopped_early(ch: _WatchedChannel, stopped: str) -> CheckResult:
    """The verdict for a drain that returned while its channel was still open.

    ``stopped`` says what the learner did ("you stopped after 4 of 12 items"); what the
    channel recorded says why.
    """
    stopped += ", though the channel was still open"
    if ch.timeouts:
        given, chosen = ch.timeouts[-1]
        which = (
            f"recv(timeout={given:g}) gave up"
            if chosen
            else (f"recv() gave up after the channel's own timeout ({given:g} s)")
        )
        return CheckResult(
            False,
            f"{stopped}: your {which} and you took that for the end. A timeout means "
            "nothing arrived *yet*, not that nothing will: here "
            f"the producer paused for longer than {given:g} s (the check plays the pause out "
            "without making you wait). Stop only when the channel is closed and drained "
            "(`for item in ch` ends, or recv raises ChannelClosed); let a timeout propagate.",
        )
    if ch.would_block:
        return CheckResult(
            False,
            f"{stopped}: recv_nowait() raised WouldBlock and you took that for the end. "
            "WouldBlock means empty *now*; the producer may send more. Stop only when the "
            "channel is closed and drained.",
        )
    return CheckResult(
        False,
        f"{stopped}. An empty line is not the end: len(ch) is what waits *now*, not what "
        "is still coming. Keep receiving until the channel is closed and drained.",
    )


def _failed(outcome: _Outcome) -> CheckResult | None:
    """The verdict for a drain that never finished, raised, or returned nothing."""
    error = outcome.error
    if outcome.alive:
        return CheckResult(
            False,
            "your drain never stopped, not even when the check ended its receives: does it "
            "catch every exception (a bare `except:`) and loop on? Restart the kernel to "
            "stop it.",
        )
    if not outcome.finished:
        return CheckResult(
            False,
            f"your drain was still running {_PATIENCE:g} s after it started, though the "
            "channel was closed and drained: does it catch ChannelClosed and loop on? "
            "Stop at the end of the channel.",
        )
    if isinstance(error, NotImplementedError):
        return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    if isinstance(error, ChannelClosed):
        return CheckResult(
            False,
            "recv() raised ChannelClosed at the end: that is how a closed, drained channel "
            "answers. Loop with `for item in ch`, or catch ChannelClosed.",
        )
    if isinstance(error, TimeoutError):
        return CheckResult(
            False,
            f"your drain raised {error!r} while the producer was still sending (it pauses "
            "a few milliseconds between items): a receive's timeout is a bound for when "
            "something is stuck, not a pace to keep up. Receive without one, as "
            "`for item in ch` does.",
        )
    if error is not None:
        return CheckResult(False, f"your function raised {error!r}")
    if outcome.items is None:
        return CheckResult(False, "it returned None: did you forget `return`?")
    if isinstance(outcome.items, tuple):  # (its type, its items): not a list
        kind = outcome.items[0].__name__
        return CheckResult(
            False,
            f"it returned a {kind}: return a list, with the items in the order they came "
            "(a set or dict keeps no order, and a set drops repeated items).",
        )
    return None


def check_drain(fn: Callable[[Any], list[Any]]) -> CheckResult:
    """Lesson 03, exercise 2: receive every item from a channel until it is closed.

    Three runs of the learner's ``drain(ch)``, each in a thread of its own:

    1. a producer thread sends 12 items, with small pauses, into a channel of capacity 2,
       pauses, then closes it: ``drain`` must return all 12, in order (a drain that asks
       ``ch.closed`` and then receives is waiting in that receive when the close comes);
    2. a channel closed with 12 items still in its buffer: all 12 again;
    3. a producer that sends 3 items and then *stalls* for longer than any timeout the
       learner's code passes (see :class:`_WatchedChannel`) before it closes: ``drain``
       must not return while the channel is open. Raising the timeout is right (that is
       what ``list(ch)`` does); so is waiting until the close and returning the 3 items.
    """
    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")

    live = _WatchedChannel(2)

    def produce() -> None:
        try:
            for item in range(12):
                time.sleep(0.003)
                live.send(item)
            time.sleep(0.03)  # a pause before the close: `while not ch.closed` is caught
        except (ChannelClosed, TimeoutError):  # the learner stopped receiving; just stop
            pass
        finally:
            with contextlib.suppress(ChannelClosed):
                live.close()

    producer = threading.Thread(target=produce, name="check-producer")
    producer.start()
    try:
        outcome = _run_drain(fn, live)
    finally:
        with contextlib.suppress(ChannelClosed):
            live.close()  # so a send blocked on a learner who stopped ends now
        producer.join(timeout=15)
    verdict = _failed(outcome)
    if verdict is not None:
        return verdict
    got = outcome.items or []
    if len(got) < 12 and got == list(range(len(got))):
        return _stopped_early(live, f"you stopped after {len(got)} of 12 items")
    if got != list(range(12)):
        return CheckResult(False, f"expected the items 0 … 11 in order, got {got[:6]}…")

    full = _WatchedChannel(12)
    for item in range(12):
        full.send(item)
    full.close()
    outcome = _run_drain(fn, full)
    verdict = _failed(outcome)
    if verdict is not None:
        return verdict
    if outcome.items != list(range(12)):
        return CheckResult(
            False,
            f"on a channel closed with 12 items still waiting you returned "
            f"{len(outcome.items or [])}: closed means no more *sends*, not no more items. "
            "Receive until it is closed *and* drained.",
        )

    stalled = _WatchedChannel(4, stalled=True)
    for item in range(3):
        stalled.send(item)
    stopper = threading.Timer(_STALL_SECONDS, stalled.end_stall)  # for waits we cannot see
    stopper.name = "check-stall"
    stopper.start()
    try:
        outcome = _run_drain(fn, stalled)
    finally:
        stopper.cancel()
        stopper.join()
    if isinstance(outcome.error, TimeoutError):
        return CheckResult(
            True,
            "right: every item, in order, however the channel was closed; and when the "
            "producer stalled, your drain said so (ChannelTimeout) instead of passing a "
            "pause off as the end.",
        )
    verdict = _failed(outcome)
    if verdict is not None:
        return verdict
    got = outcome.items or []
    if not outcome.closed_when_done:
        return _stopped_early(stalled, f"the producer sent 3 items and paused; you returned {got}")
    if got != [0, 1, 2]:
        return CheckResult(False, f"the producer sent 0, 1, 2 and closed; you returned {got}")
    return CheckResult(
        True,
        "right: every item, in order, however the channel was closed; and when the producer "
        "stalled, your drain waited for the close instead of passing a pause off as the end.",
    )
