"""Lesson 06's scenario quiz: which tool fits each situation, and why every other one does not.

The data only; the self-check that marks a learner's answers is
:func:`workerlab.checks.lesson06.check_scenario_quiz`.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The answers a scenario can have.
CHOICES = ("sequential", "pool", "pipeline", "processes", "asyncio", "job-queue library")


@dataclass(frozen=True, slots=True)
class Scenario:
    """A situation, the right tool for it, and why each other choice is wrong there."""

    situation: str
    answer: str
    why: str
    wrong: dict[str, str]


SCENARIOS: dict[int, Scenario] = {
    1: Scenario(
        "A one-off script renames 40 files in a local folder; it takes half a second.",
        "sequential",
        "half a second, once: there is no bottleneck worth any complexity.",
        {
            "pool": "a pool saves at most half a second once, and adds shutdown and "
            "error handling to get right.",
            "pipeline": "there are no stages that need decoupling, and nothing is slow.",
            "processes": "starting the processes costs more than the whole job.",
            "asyncio": "rewriting a half-second script as coroutines buys nothing.",
            "job-queue library": "a broker and workers for a half-second one-off is all cost.",
        },
    ),
    2: Scenario(
        "Fetch 5,000 customer records from a partner's REST API with the (blocking) "
        "`requests` library; the partner allows at most 10 requests at a time.",
        "pool",
        "independent I/O-bound calls: a pool of 10 threads overlaps the waits and its size "
        "is the limit that protects the partner's API.",
        {
            "sequential": "5,000 calls one after the other wait for 5,000 round trips in a "
            "row, while 10 could be in flight.",
            "pipeline": "there is one step per record, not a chain of stages.",
            "processes": "the work is waiting on the network, which threads overlap just as "
            "well, without starting processes or pickling every result.",
            "asyncio": "`requests` blocks: inside a coroutine it would stall the event loop; "
            "asyncio needs an async HTTP client, and the code is blocking today.",
            "job-queue library": "it runs once in one program and needs no persistence or "
            "retries across restarts: a broker is extra machinery.",
        },
    ),
    3: Scenario(
        "Run a pure-Python simulation 200 times with different seeds; each run keeps one "
        "core busy for a second.",
        "processes",
        "CPU-bound pure Python: only separate processes run it on several cores at once "
        "(on a Python with the GIL).",
        {
            "sequential": "200 s on one core while the others sit idle.",
            "pool": "a pool of threads shares one GIL: CPU-bound Python gets no faster "
            "(unless the Python is free-threaded).",
            "pipeline": "each run is one CPU-bound step; stages would not add cores.",
            "asyncio": "coroutines take turns on one thread: a loop that never awaits "
            "blocks all the others, so nothing runs in parallel.",
            "job-queue library": "a local process pool already uses every core; a broker "
            "only pays off when the runs must spread over several machines.",
        },
    ),
    4: Scenario(
        "Read a log stream line by line, parse each line, and write it to a database that "
        "accepts one writer at a time, keeping the order of the lines.",
        "pipeline",
        "a chain of stages with different speeds and limits: read → parse → write, one "
        "writer, joined by bounded queues that keep the order and hold back the reader.",
        {
            "sequential": "the reader would wait for every database write before reading "
            "the next line: the stages could overlap but do not.",
            "pool": "a pool runs many writers at once and finishes lines out of order, "
            "and the database takes one writer only.",
            "processes": "the work waits on I/O, and separate processes would make keeping "
            "the order harder, not easier.",
            "asyncio": "the question is the shape of the work (stages), not thousands of "
            "waits; and the database driver here is blocking.",
            "job-queue library": "a stream processed as it arrives, in one program: no "
            "persistence or retries across machines were asked for.",
        },
    ),
    5: Scenario(
        "Keep 10,000 websocket connections open, mostly idle, each waiting for the next "
        "message to forward.",
        "asyncio",
        "10,000 mostly idle waits: a task costs a few kilobytes and microseconds, one "
        "event loop watches every socket.",
        {
            "sequential": "one connection at a time cannot even keep the others open.",
            "pool": "10,000 threads each reserve a stack and are scheduled by the OS; a "
            "smaller pool would leave connections unserved.",
            "pipeline": "there is no chain of stages, only many independent waits.",
            "processes": "10,000 processes, each a whole interpreter, to wait on sockets.",
            "job-queue library": "these are live connections, not jobs to persist and retry.",
        },
    ),
    6: Scenario(
        "A web app sends a password-reset email per request; an email must not be lost "
        "if the server restarts, and a failed send must be retried later.",
        "job-queue library",
        "persistence across restarts and retries with backoff are exactly what a job "
        "queue (with a broker or a database behind it) provides.",
        {
            "sequential": "the request would wait for the mail server, and a crash loses it.",
            "pool": "jobs held in a pool's in-memory queue vanish when the process restarts.",
            "pipeline": "an in-process pipeline loses its queued items on a restart too.",
            "processes": "a process pool is still in-memory: no persistence, no retries.",
            "asyncio": "a background task dies with the process, with nothing to retry it.",
        },
    ),
}
