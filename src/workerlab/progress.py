"""The course's one progress bar (introduced in lesson 02).

A leaf module. Any cell that runs longer than about two seconds shows a ``tqdm.auto`` bar,
so a learner never wonders whether it hung.
"""

from __future__ import annotations

from typing import Any

from tqdm.auto import tqdm


def progress_bar(
    iterable: Any = None,
    *,
    desc: str,
    enabled: bool = True,
    total: int | None = None,
    leave: bool = False,
    unit: str = "it",
) -> tqdm:
    """A ``tqdm.auto`` bar that starts no monitor thread.

    tqdm's monitor thread would outlive the run, and every lesson's end check (rightly)
    counts it as a leaked thread, so it is turned off. When not ``enabled`` the bar is
    disabled: its ``update``/``close`` and ``with`` do nothing. By default it vanishes when
    done (``leave=False``), as a sweep's inner bar should.
    """
    tqdm.monitor_interval = 0
    return tqdm(iterable, desc=desc, total=total, disable=not enabled, leave=leave, unit=unit)
