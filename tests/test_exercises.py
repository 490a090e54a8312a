"""Each self-check accepts the right answer and rejects plausible wrong ones, saying why."""

import math
import threading

import pytest

from workerlab.checks.lesson01 import check_idle_share, check_predict_wall_time
from workerlab.checks.lesson02 import check_ideal_throughput, check_shop_time, check_worker
from workerlab.checks.lesson03 import check_drain, check_last_send
from workerlab.pool import STOP
from workerlab.records import CheckResult


def test_check_result_reads_well():
    assert repr(CheckResult(True, "right")) == "✅ right"
    assert repr(CheckResult(False, "no")) == "❌ no"
    assert not CheckResult(False, "no")


def test_predict_wall_time_accepts_the_reference():
    assert check_predict_wall_time(lambda n, r, w: n * (r + w))


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda n, r, w: r + w, "one file"),
        (lambda n, r, w: n * max(r, w), "read *and* its write"),
        (lambda n, r, w: n * r, "read *and* its write"),
        (lambda n, r, w: n * (r + w) / 4, "nothing overlaps"),
        (lambda n, r, w: 2 * n * (r + w), "once per file"),
        (lambda n, r, w: 1000 * n * (r + w), "milliseconds"),
        (lambda n, r, w: None, "returned None"),
        (lambda n, r, w: "fast", "number"),
        (lambda n, r, w: 1 / 0, "raised"),
        (42, "function itself"),
    ],
)
def test_predict_wall_time_rejects_plausible_mistakes(wrong, says):
    result = check_predict_wall_time(wrong)
    assert not result.passed
    assert says in result.message


def test_not_implemented_scaffold_is_reported_as_not_done():
    def scaffold(n, r, w):
        raise NotImplementedError

    result = check_predict_wall_time(scaffold)
    assert not result and "not done yet" in result.message


def test_idle_share_accepts_the_reference():
    assert check_idle_share(lambda wall, cpu: 1 - cpu / wall)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda wall, cpu: cpu / wall, "*busy* share"),
        (lambda wall, cpu: wall - cpu, "seconds"),
        (lambda wall, cpu: 100 * (1 - cpu / wall), "percentage"),
        (lambda wall, cpu: 1 - wall / cpu if cpu else 0.0, "upside down"),
        (lambda wall, cpu: 0.5, "expected"),
    ],
)
def test_idle_share_rejects_plausible_mistakes(wrong, says):
    result = check_idle_share(wrong)
    assert not result.passed
    assert says in result.message


# --- lesson 02 -----------------------------------------------------------------------------


def test_ideal_throughput_accepts_the_reference():
    assert check_ideal_throughput(lambda workers, latency: workers / latency)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda w, lat: lat / w, "upside down"),
        (lambda w, lat: 1 / lat, "one worker"),
        (lambda w, lat: w * lat, "divide"),
        (lambda w, lat: w / (lat * 1000), "in seconds"),
        (lambda w, lat: w / lat + 1, "expected"),
    ],
)
def test_ideal_throughput_rejects_plausible_mistakes(wrong, says):
    result = check_ideal_throughput(wrong)
    assert not result and says in result.message


def test_shop_time_accepts_the_reference():
    assert check_shop_time(lambda orders, baristas, lat: math.ceil(orders / baristas) * lat)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda o, b, lat: o / b * lat, "whole order"),
        (lambda o, b, lat: o // b * lat, "rounded down"),
        (lambda o, b, lat: round(o / b) * lat, "rounded down"),
        (lambda o, b, lat: o * lat, "one barista"),
        (lambda o, b, lat: math.ceil(o / b), "counts rounds"),
        (lambda o, b, lat: (o // b + 1) * lat, "expected"),
    ],
)
def test_shop_time_rejects_plausible_mistakes(wrong, says):
    result = check_shop_time(wrong)
    assert not result and says in result.message


def good_worker(jobs, results):
    while (job := jobs.get()) is not STOP:
        results.put(job * 2)


def test_worker_accepts_the_reference():
    assert check_worker(good_worker)


def ignores_stop(jobs, results):
    while True:
        job = jobs.get()
        if job is not STOP:
            results.put(job * 2)


def uses_stop_as_a_job(jobs, results):
    while True:
        results.put(jobs.get() * 2)


def runs_one_job(jobs, results):
    job = jobs.get()
    if job is not STOP:
        results.put(job * 2)


def forgets_to_double(jobs, results):
    while (job := jobs.get()) is not STOP:
        results.put(job)


def passes_stop_on(jobs, results):
    while True:
        job = jobs.get()
        results.put(job if job is STOP else job * 2)
        if job is STOP:
            return


def puts_stop_back(jobs, results):
    while (job := jobs.get()) is not STOP:
        results.put(job * 2)
    jobs.put(STOP)


def scaffold(jobs, results):
    raise NotImplementedError


def stops_when_the_line_is_empty(jobs, results):
    while not jobs.empty():
        job = jobs.get()
        if job is not STOP:
            results.put(job * 2)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (ignores_stop, "never stopped"),
        (uses_stop_as_a_job, "treated STOP as a job"),
        (runs_one_job, "keep looping"),
        (forgets_to_double, "job * 2"),
        (passes_stop_on, "STOP ended up among the results"),
        (puts_stop_back, "put back"),
        (scaffold, "not done yet"),
        (stops_when_the_line_is_empty, "empty line"),
        ("worker", "function itself"),
    ],
)
def test_worker_rejects_plausible_mistakes_and_leaves_no_thread(wrong, says):
    result = check_worker(wrong)
    assert not result and says in result.message


def test_worker_that_swallows_the_checks_stop_is_reported_not_waited_for():
    release = threading.Event()  # lets the test end the threads the check cannot end

    def swallows_everything(jobs, results):
        while not release.is_set():
            try:
                job = jobs.get()
                if job is not STOP:
                    results.put(job * 2)
            except:  # noqa: E722 (the learner's mistake under test)
                release.wait(0.01)

    try:
        result = check_worker(swallows_everything)
    finally:
        release.set()
    assert not result and "bare `except:`" in result.message


# --- lesson 03 -----------------------------------------------------------------------------


def test_last_send_accepts_the_reference():
    assert check_last_send(lambda n, cap, t: max(0, n - 1 - cap) * t)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda n, cap, t: (n - 1 - cap) * t, "negative"),
        (lambda n, cap, t: (n - 1) * t, "ignores the buffer"),
        (lambda n, cap, t: max(0, n - cap) * t, "off by one"),
        (lambda n, cap, t: n * t, "off by one"),
        (lambda n, cap, t: max(0, n - 1 - max(cap, 1)) * t, "rendezvous"),
        (lambda n, cap, t: max(0, n - 1 - cap), "counts items"),
        (lambda n, cap, t: max(0, n - 1 - cap) * t / 2, "expected"),
    ],
)
def test_last_send_rejects_plausible_mistakes(wrong, says):
    result = check_last_send(wrong)
    assert not result and says in result.message


def test_drain_accepts_iteration():
    assert check_drain(list)
    assert check_drain(lambda ch: [item for item in ch])


def recv_forever(ch):
    items = []
    while True:
        items.append(ch.recv())


def takes_what_is_waiting(ch):
    return [ch.recv() for _ in range(len(ch))]


def stops_once_closed(ch):
    items = []
    while not ch.closed:
        items.append(ch.recv())
    return items


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (recv_forever, "ChannelClosed"),
        (takes_what_is_waiting, "len(ch)"),
        (stops_once_closed, "no more *sends*"),
        (lambda ch: None, "returned None"),
        (lambda ch: sorted(ch, reverse=True), "in order"),
    ],
)
def test_drain_rejects_plausible_mistakes(wrong, says):
    result = check_drain(wrong)
    assert not result and says in result.message
