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
