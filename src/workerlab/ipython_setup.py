"""What a lesson sets up in its IPython kernel (introduced in lesson 00).

:func:`workerlab.lesson.start` calls both: a figure a cell returns shows as a picture,
and a ``NameError`` says which cells to run first. Outside IPython both do nothing.
A leaf module: it imports nothing from ``workerlab``.
"""

from __future__ import annotations

from typing import Any

#: What a learner sees under a ``NameError``: the name came from a cell that has not run.
MISSING_NAME_HINT = (
    "💡 This name comes from an earlier cell of the lesson that has not run to its end in "
    "this kernel. If you interrupted that cell, run it again (usually the one just above). "
    "After a restart, or when you jumped ahead: click this cell, then Run → Run All Above "
    "Selected Cell, and run it again."
)


def explain_missing_names() -> None:
    """In IPython, add :data:`MISSING_NAME_HINT` under every ``NameError`` a cell raises.

    A lesson's cells build on each other; after a restart, a later cell fails with a bare
    ``NameError``. The hint says what to run first. (IPython's public ``set_custom_exc``.)
    """
    try:
        from IPython import get_ipython
    except ImportError:  # not running under IPython: plain tracebacks
        return
    shell = get_ipython()
    if shell is None:
        return

    def explain(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None):
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        print(MISSING_NAME_HINT)
        return shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)

    shell.set_custom_exc((NameError,), explain)


def show_figures_inline() -> None:
    """In IPython, display a returned ``Figure`` as a PNG, whatever matplotlib backend is set."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:  # not running under IPython: nothing to configure
        return
    shell = get_ipython()
    if shell is not None:
        select_figure_formats(shell, {"png"}, bbox_inches="tight", dpi=90)
