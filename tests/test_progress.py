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
