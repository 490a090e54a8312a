"""Lesson 00: check that this machine can run the course, and say clearly what is off."""

from __future__ import annotations

import os
import platform
import re
import sys
import sysconfig
from dataclasses import dataclass, field
from importlib import metadata


def required_packages(distribution: str = "workerlab") -> dict[str, tuple[int, ...]]:
    """The packages the lessons need, each with the oldest version the course allows.

    Read from the installed course's own metadata (``dependencies`` in pyproject.toml), so
    the check lists every one of them and cannot drift from it; optional groups (``dev``,
    ``go``) are left out. ``{}`` if the course is not installed.
    """
    try:
        listed = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError:
        return {}
    found = {}
    for requirement in listed:
        spec, _, marker = requirement.partition(";")
        if "extra" in marker:
            continue
        name = re.match(r"\s*[A-Za-z0-9_.\-]+", spec).group().strip()
        floor = re.search(r">=\s*([0-9][0-9.]*)", spec)
        found[name] = _version_tuple(floor.group(1)) if floor else ()
    return found


def _version_tuple(text: str) -> tuple[int, ...]:
    """Leading numeric parts of a version string: "3.11rc1" -> (3, 11)."""
    match = re.match(r"\d+(?:\.\d+){0,2}", text)
    return tuple(int(part) for part in match.group().split(".")) if match else ()


def gil_enabled() -> bool:
    """True unless this is a free-threaded build of Python running with the GIL off."""
    check = getattr(sys, "_is_gil_enabled", None)
    return True if check is None else bool(check())


@dataclass
class EnvironmentReport:
    """What the check found: one (name, value) row per fact, and warnings for what is off."""

    rows: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing needs the learner's attention."""
        return not self.warnings

    def __str__(self) -> str:
        width = max(len(name) for name, _ in self.rows)
        lines = [f"{name:<{width}}  {value}" for name, value in self.rows]
        lines.append("")
        if self.warnings:
            lines += [f"WARNING: {w}" for w in self.warnings]
        else:
            lines.append("All good: this machine can run every lesson.")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython shows str(), not repr()
        printer.text(str(self))


def check_environment(
    version_info: tuple[int, int] = sys.version_info[:2], cores: int | None = None
) -> EnvironmentReport:
    """Collect Python, core count and package versions; warn about anything that is off.

    ``version_info`` and ``cores`` can be passed to see what the check says elsewhere.
    """
    if cores is None:
        cores = os.cpu_count() or 1
    report = EnvironmentReport()
    report.rows.append(
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})")
    )
    report.rows.append(("CPU cores", str(cores)))
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    report.rows.append(("GIL", "enabled" if gil_enabled() else "disabled (free-threaded build)"))
    if tuple(version_info) < (3, 11):
        report.warnings.append(
            f"Python {version_info[0]}.{version_info[1]} is too old: "
            "the course needs 3.11 or newer."
        )
    if cores < 2:
        report.warnings.append(
            "only 1 CPU core: the thread lessons still work, but processes cannot run in "
            "parallel, so lesson 06's CPU-bound speedups will stay near 1x."
        )
    if free_threaded and not gil_enabled():
        report.warnings.append(
            "this Python runs without the GIL: CPU-bound threads *can* speed up here, so "
            "lesson 06's thread plots will differ from the text (which assumes the GIL)."
        )
    for package, oldest in required_packages().items():
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            report.rows.append((package, "missing"))
            report.warnings.append(f"{package} is missing: run `make lab` from the course folder.")
            continue
        report.rows.append((package, version))
        if _version_tuple(version) < oldest:
            wanted = ".".join(map(str, oldest))
            report.warnings.append(f"{package} {version} is older than {wanted}; run `make lab`.")
    return report
