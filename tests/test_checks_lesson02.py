"""Lesson 02: each self-check accepts the right answer and rejects plausible wrong ones."""

import math
import queue
import threading
import time

import pytest

from workerlab.checks.lesson02 import check_ideal_throughput, check_shop_time, check_worker
from workerlab.pool import STOP


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
        (lambda w, lat: int(w / lat), "rounded to a whole number"),
        (lambda w, lat: round(w / lat), "rounded to a whole number"),
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
        (lambda o, b, lat: round(o / b + 0.5) * lat, "for 1 order, 1 barista, 0.5 s each you "
         "returned 1 s. off by one: your answer counts one round more"),
        (lambda o, b, lat: (o // b + 1) * lat, "off by one: your answer counts one round "
         "more than there are (0.14 instead of 0.12). 24 orders on 4 baristas split evenly: "
         "there is no part-empty round to add. Round up (math.ceil) instead of adding one."),
        (lambda o, b, lat: math.ceil(o / b) * lat * 1000, "you returned 120, which is the "
         "answer in milliseconds"),
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


def zero_looks_like_the_end(jobs, results):
    while True:
        job = jobs.get()
        if not job or job is STOP:
            return
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


def polls_with_a_timeout(jobs, results):
    while True:
        try:
            job = jobs.get(timeout=0.01)
        except queue.Empty:
            continue
        if job is STOP:
            return
        results.put(job * 2)


def spins_on_get_nowait(jobs, results):
    while True:
        try:
            job = jobs.get_nowait()
        except queue.Empty:
            time.sleep(0.001)
            continue
        if job is STOP:
            return
        results.put(job * 2)


def spins_on_empty(jobs, results):
    while True:
        if jobs.empty():
            time.sleep(0.001)
            continue
        job = jobs.get()
        if job is STOP:
            return
        results.put(job * 2)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (polls_with_a_timeout, "your worker polls"),
        (spins_on_get_nowait, "your worker polls"),
        (spins_on_empty, "your worker polls"),
        (ignores_stop, "never stopped"),
        (uses_stop_as_a_job, "treated STOP as a job"),
        (runs_one_job, "each worker did one job and went home"),
        (zero_looks_like_the_end, "`if not job` reads it as the end"),
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


