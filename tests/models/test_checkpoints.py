"""Training checkpoints: one file per run, a longer run never passed off as a shorter one, any fsspec folder."""

from gans_fingerprints.models.checkpoints import CheckpointStore


def test_checkpoints_work_off_the_local_disk():
    import torch

    from gans_fingerprints.models.checkpoints import CheckpointStore

    store = CheckpointStore("memory://runs/checkpoints")
    store.save({"fingerprint": "abc", "epoch": 2, "epochs": 3, "weights": torch.ones(2)})
    assert store.resumable("abc", 3)["epoch"] == 2 and store.resumable("abc", 1) is None
    assert torch.equal(store.latest()["weights"], torch.ones(2))


def test_the_furthest_prefix_of_the_asked_run_is_resumed_and_a_longer_run_never(tmp_path, caplog):
    store = CheckpointStore(tmp_path)
    for epoch, epochs in ((2, 6), (3, 3), (5, 8)):
        store.save({"fingerprint": "abc", "epoch": epoch, "epochs": epochs})
    store.save({"fingerprint": "other", "epoch": 4, "epochs": 4})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abc-3epochs.pt", "abc-6epochs.pt", "abc-8epochs.pt", "other-4epochs.pt"]
    assert store.resumable("abc", 4)["epoch"] == 3 and store.resumable("abc", 10)["epoch"] == 5
    with caplog.at_level("WARNING"):
        assert store.resumable("abc", 1) is None
    assert "more than the 1 asked for" in caplog.text
    assert store.resumable("new", 4) is None
    assert store.latest()["fingerprint"] == "other"
