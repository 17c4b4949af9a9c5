"""Progress a person can read: one bar for the whole run, with an ETA, and a bar for each long loop inside it.

On a terminal, a ``kedro run`` shows one bar (nodes done of all, the node running, time left) and the
bars of long loops (ingestion, training, sampling) beneath it; the console shows warnings only, while
the full INFO log still goes to ``logs/info.log``. Off a terminal (CI, a pipe, a log file) nothing
changes: no bar is drawn and every log line is printed as before.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")

_RUN: Progress | None = None
"""The run's live display while a run shows one (rich allows one live display at a time)."""
_QUIETED: list[tuple[logging.Handler, int]] = []


def progress_enabled() -> bool:
    """True when stdout and stderr are both an interactive terminal (``> file`` or ``| tee`` keeps every log line)."""
    return sys.stdout.isatty() and sys.stderr.isatty()


def _columns() -> tuple:
    return (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), TextColumn("{task.fields[status]}"))


def _console_handlers() -> list[logging.Handler]:
    """Handlers of the root logger that write to the terminal (not to a file)."""
    return [h for h in logging.getLogger().handlers  # a RichHandler has no stream of its own: it writes to the terminal
            if not isinstance(h, logging.FileHandler) and getattr(h, "stream", None) in (None, sys.stdout, sys.stderr)]


def quiet_console() -> None:
    """On a terminal, leave the console to warnings for the run (the log file keeps every line)."""
    if not progress_enabled() or _QUIETED:
        return
    for handler in _console_handlers():
        _QUIETED.append((handler, handler.level))
        handler.setLevel(max(handler.level, logging.WARNING))


def start_run_progress(total: int, description: str = "run") -> Progress | None:
    """Show the run's bar, the console left to warnings; None off a terminal or when a bar is shown."""
    global _RUN  # noqa: PLW0603 - one live display per process
    if not progress_enabled() or _RUN is not None:
        return None
    quiet_console()
    _RUN = Progress(*_columns(), transient=False)
    _RUN.add_task(description, total=total, status="")
    _RUN.start()
    return _RUN


def advance_run(status: str = "", advance: int = 0) -> None:
    """Move the run's bar on by ``advance`` nodes and show ``status`` (the node running)."""
    if _RUN is not None:
        _RUN.update(_RUN.task_ids[0], advance=advance, status=status)


def stop_run_progress() -> None:
    """Remove the run's bar and give the console its log lines back."""
    global _RUN  # noqa: PLW0603
    if _RUN is not None:
        _RUN.stop()
        _RUN = None
    while _QUIETED:
        handler, level = _QUIETED.pop()
        handler.setLevel(level)


def track(
    items: Iterable[T], description: str, total: int | None = None, status: Callable[[], str] | None = None
) -> Iterator[T]:
    """Yield ``items`` while drawing a progress bar on a terminal (under the run's bar when one is shown);
    plain iteration elsewhere. ``status`` is called after each item and its text shown after the bar
    (e.g. the running loss).
    """
    if not progress_enabled():
        yield from items
        return
    with _loop_bar(description, total if total is not None else len(items)) as (bar, task):  # type: ignore[arg-type]
        for item in items:
            yield item
            bar.update(task, advance=1, status=status() if status is not None else "")


@contextlib.contextmanager
def _loop_bar(description: str, size: int) -> Iterator[tuple[Progress, TaskID]]:
    """A loop's bar: a line under the run's bar while a run shows one (removed when the loop ends), else a
    transient bar of its own."""
    if _RUN is not None:
        task = _RUN.add_task(f"  {description}", total=size, status="")
        try:
            yield _RUN, task
        finally:
            _RUN.remove_task(task)
        return
    with Progress(*_columns(), transient=True) as bar:
        yield bar, bar.add_task(description, total=size, status="")
