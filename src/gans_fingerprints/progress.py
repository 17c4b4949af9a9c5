"""Progress bars for long loops that switch themselves off when output is not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

T = TypeVar("T")


def progress_enabled() -> bool:
    """True when stderr is an interactive terminal."""
    return sys.stderr.isatty()


def track(
    items: Iterable[T], description: str, total: int | None = None, status: Callable[[], str] | None = None
) -> Iterator[T]:
    """Yield ``items`` while drawing a progress bar on a terminal; plain iteration elsewhere.

    ``status`` is called after each item and its text shown after the bar (e.g. the running loss).
    """
    if not progress_enabled():
        yield from items
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}"),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(description, total=total if total is not None else len(items), status="")  # type: ignore[arg-type]
        for item in items:
            yield item
            bar.update(task, advance=1, status=status() if status is not None else "")
