import sys

from gans_fingerprints import progress


def test_track_is_plain_iteration_off_a_terminal(monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    calls = []
    assert list(progress.track(range(3), "x", status=lambda: calls.append(1) or "")) == [0, 1, 2]
    assert calls == [], "no status is computed when no bar is drawn"


def test_track_draws_and_calls_status_on_a_terminal(monkeypatch):
    monkeypatch.setattr(progress, "progress_enabled", lambda: True)
    calls = []
    assert list(progress.track(range(4), "x", status=lambda: calls.append(1) or "loss 1.0")) == [0, 1, 2, 3]
    assert len(calls) == 4


def test_a_run_shows_one_bar_with_the_loops_beneath_and_gives_the_console_its_lines_back(monkeypatch, tmp_path):
    import logging

    monkeypatch.setattr(progress, "progress_enabled", lambda: True)
    from kedro.logging import RichHandler

    console, rich_console = logging.StreamHandler(sys.stderr), RichHandler()
    log_file = logging.FileHandler(tmp_path / "info.log")
    for handler in (console, rich_console, log_file):
        handler.setLevel(logging.INFO)
        logging.getLogger().addHandler(handler)
    try:
        bar = progress.start_run_progress(total=2)
        assert bar is not None and progress.start_run_progress(total=2) is None, "one run bar at a time"
        assert console.level == rich_console.level == logging.WARNING, "the terminal shows warnings only"
        assert log_file.level == logging.INFO, "INFO lines go to the log file"
        progress.advance_run(status="node_a")
        assert list(progress.track(range(3), "epoch 1/1")) == [0, 1, 2], "a loop inside the run draws under its bar"
        assert len(bar.tasks) == 1, "the loop's bar is removed when it ends"
        progress.advance_run(advance=1)
        assert bar.tasks[0].completed == 1 and bar.tasks[0].fields["status"] == ""
    finally:
        progress.stop_run_progress()
        for handler in (console, rich_console, log_file):
            logging.getLogger().removeHandler(handler)
    assert console.level == logging.INFO, "the console has its INFO lines back after the run"
    assert progress._RUN is None


def test_off_a_terminal_a_run_changes_nothing(monkeypatch):
    monkeypatch.setattr(progress, "progress_enabled", lambda: False)
    assert progress.start_run_progress(total=3) is None
    progress.advance_run(advance=1)
    progress.stop_run_progress()


def test_a_redirected_stdout_keeps_every_log_line(monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert not progress.progress_enabled(), "`kedro run > file`: the bar and the logs go to stdout, which is a file"


def test_a_run_refused_by_the_project_lock_gives_the_console_its_lines_back(monkeypatch, tmp_path):
    import fcntl
    import logging

    import pytest

    from gans_fingerprints.errors import UserInputError
    from gans_fingerprints.hooks import LOCK_NAME, ProjectLock

    monkeypatch.setattr(progress, "progress_enabled", lambda: True)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.INFO)
    logging.getLogger().addHandler(console)
    (tmp_path / "data").mkdir()
    holder = (tmp_path / "data" / LOCK_NAME).open("a+")
    fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another run holds the folder
    try:
        progress.quiet_console()  # as RunProgress does before the lock is tried
        assert console.level == logging.WARNING
        lock = ProjectLock()

        class Context:
            project_path = tmp_path

        lock.after_context_created(Context())
        with pytest.raises(UserInputError, match="Another kedro run"):
            lock.before_pipeline_run(run_params={}, pipeline=None, catalog=None)
        assert console.level == logging.INFO, "the refused run's console is restored"
    finally:
        holder.close()
        logging.getLogger().removeHandler(console)
        progress.stop_run_progress()
