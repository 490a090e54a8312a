"""Show the code that runs, not a copy of it (introduced in lesson 00).

A leaf module. A lesson never pastes package code into markdown, where it would drift from
the real thing: it calls ``show(pool.worker)``, which reads the live source with
:mod:`inspect` and displays it highlighted, under a link to the file it came from.

    from workerlab import pool
    from workerlab.show import show
    show(pool.worker)      # in a notebook cell: the function's code, highlighted
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the folder that holds workerlab/
#: From a notebook in ``notebooks/`` to the package's source, for links that open in Lab.
_LINK_BASE = "../src/"


@dataclass(frozen=True, slots=True)
class Source:
    """Source code to display: ``code`` in ``language``, from ``where`` (first..last line)."""

    code: str
    language: str
    where: str
    link: str | None
    first: int
    last: int

    def _title(self) -> str:
        return f"{self.where}, lines {self.first}-{self.last}"

    def _repr_markdown_(self) -> str:
        title = f"[`{self.where}`]({self.link})" if self.link else f"`{self.where}`"
        return f"{title}, lines {self.first}–{self.last}\n\n```{self.language}\n{self.code}\n```"

    def __repr__(self) -> str:
        comment = "//" if self.language == "go" else "#"
        return f"{comment} {self._title()}\n{self.code}"


def show(obj: Any) -> Source:
    """The live source of a function, class, method or module, ready to display.

    Raises ``TypeError`` for something that has no source (a number, a builtin).
    """
    target = inspect.unwrap(obj) if callable(obj) else obj
    try:
        lines, first = inspect.getsourcelines(target)
        path = Path(inspect.getsourcefile(target) or "")
    except (TypeError, OSError) as error:
        raise TypeError(f"obj must be a function, class or module with source: {error}") from None
    first = max(first, 1)  # a module starts at line 0 for inspect
    code = textwrap.dedent("".join(lines)).rstrip("\n")
    return _source(path, code, "python", first, first + len(lines) - 1)


def show_file(path: str | Path, *, language: str, start: int = 1, end: int | None = None) -> Source:
    """Lines ``start``..``end`` (1-based, inclusive) of a file in the repository, to display.

    For source that is not Python, such as lesson 09's Go programs.
    """
    file = Path(path)
    if not file.is_file():
        raise ValueError(f"path must be an existing file, but {file.name!r} is not one")
    lines = file.read_text(encoding="utf-8").splitlines()
    end = len(lines) if end is None else end
    if not 1 <= start <= end <= len(lines):
        raise ValueError(f"start..end must be within 1..{len(lines)}, got {start}..{end}")
    return _source(file.resolve(), "\n".join(lines[start - 1 : end]), language, start, end)


def _source(path: Path, code: str, language: str, first: int, last: int) -> Source:
    """A :class:`Source`, named by its path in the repository when it has one."""
    try:
        relative = path.resolve().relative_to(_PACKAGE_ROOT)
    except ValueError:  # outside src/: a Go file, or an installed copy
        repository = _PACKAGE_ROOT.parent
        try:
            inside = path.resolve().relative_to(repository).as_posix()
        except ValueError:
            return Source(code, language, path.name, None, first, last)
        return Source(code, language, inside, f"../{inside}", first, last)
    name = relative.as_posix()
    return Source(code, language, name, _LINK_BASE + name, first, last)
