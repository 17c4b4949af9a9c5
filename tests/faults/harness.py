"""Run ``kedro run`` as a user would and see what they would see: exit code, final message, files.

``kedro_run`` calls Kedro's own command line in this process (click's test runner: same
command, session, hooks and exit code as the ``kedro`` executable, without re-importing torch
for every case); the message is what the project's exception hook prints for that error, or
``None`` when the user would get a traceback. ``kedro_subprocess`` runs the real executable for
the cases that check the printed terminal output itself (``tests.helpers.kedro_subprocess``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from gans_fingerprints.hooks import LOCK_NAME, _user_error_in_chain
from tests.helpers import checksums as file_checksums


@dataclass
class Outcome:
    exit_code: int
    message: str | None  # the one line the user reads ("error: ..."), None for a traceback
    output: str


def kedro_run(project: Path, *args: str) -> Outcome:
    """``kedro run ARGS`` in ``project`` (the working folder is changed for the call)."""
    from kedro.framework.cli.cli import KedroCLI
    from kedro.framework.startup import bootstrap_project

    previous = Path.cwd()
    os.chdir(project)
    try:
        bootstrap_project(project)
        result = CliRunner().invoke(KedroCLI(project), ["run", *args], catch_exceptions=True)
    finally:
        os.chdir(previous)
    error = result.exception if not isinstance(result.exception, SystemExit) else None
    user_error = _user_error_in_chain(error) if error is not None else None
    message = f"error: {user_error}" if user_error is not None else None
    return Outcome(result.exit_code, message, result.output)


def checksums(*roots: Path) -> dict[str, str]:
    """Every file under ``roots`` by content, the run lock's holder line left out (it names the last run)."""
    return file_checksums(*roots, skip=(LOCK_NAME,))
