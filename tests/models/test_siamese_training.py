import numpy as np
import pytest
import torch

from gans_fingerprints.distances import nearest_centroid
from gans_fingerprints.models.checkpoints import CheckpointStore
from gans_fingerprints.models.siamese import SiameseBranch, contrastive_loss, matched_embedding_distances
from gans_fingerprints.models.siamese_training import (
    PairData,
    SiameseConfig,
    class_centroids,
    embed_images,
    train_siamese,
)


def test_centroids_and_nearest():
    embeddings = np.array([[0, 0], [0, 2], [10, 10], [10, 12]], dtype=np.float32)
    centroids = class_centroids(embeddings, np.array([0, 0, 1, 1]), 2, renormalise=False)
    assert centroids.tolist() == [[0, 1], [10, 11]]
    labels, distances = nearest_centroid(np.array([[1, 1], [9, 9]], dtype=np.float32), centroids)
    assert labels.tolist() == [0, 1] and distances.shape == (2, 2)
    unit = class_centroids(embeddings, np.array([0, 0, 1, 1]), 2, renormalise=True)
    assert np.allclose(np.linalg.norm(unit, axis=1), 1)


def _toy_data(size=48, per_class=12, classes=3, seed=0) -> PairData:
    """Each class has its own brightness and stripe pattern; generated images are noisy copies."""
    rng = np.random.default_rng(seed)

    def images(c, n):
        base = np.zeros((size, size)) + 60 + 50 * c
        base[:, c * 4 :: 12] += 80
        return np.clip(base + rng.normal(0, 20, (n, size, size)), 0, 255).astype(np.uint8)

    real = np.concatenate([images(c, per_class) for c in range(classes)])
    generated = np.concatenate([images(c, per_class) for c in range(classes)])
    held_out = np.concatenate([images(c, 3) for c in range(classes)])
    labels = np.repeat(np.arange(classes), per_class)
    return PairData(real, labels, generated, labels.copy(), held_out, np.repeat(np.arange(classes), 3), classes, "toy")


def test_one_epoch_decreases_the_loss_on_fixed_pairs():
    data = _toy_data()
    config = SiameseConfig(image_size=48, epochs=1, pairs_per_batch=8, learning_rate=1e-3, seed=0)
    rng = np.random.default_rng(1)
    real_idx, gen_idx = rng.integers(0, len(data.real), 64), rng.integers(0, len(data.generated), 64)
    same = torch.as_tensor(data.real_labels[real_idx] == data.generated_labels[gen_idx])

    def fixed_pair_loss(model):
        with torch.no_grad():
            model.eval()
            a = model(torch.as_tensor(data.real[real_idx]).unsqueeze(1).float() / 255)
            b = model(torch.as_tensor(data.generated[gen_idx]).unsqueeze(1).float() / 255)
            return contrastive_loss(matched_embedding_distances(a, b), same).mean().item()

    torch.manual_seed(config.seed)
    before = fixed_pair_loss(SiameseBranch(48))
    model, history = train_siamese(data, config, torch.device("cpu"), resume=False)
    assert len(history) == 1 and history["train_loss"].notna().all()
    assert fixed_pair_loss(model) < before


def test_batch_all_mode_trains_and_attributes():
    data = _toy_data()
    config = SiameseConfig(image_size=48, epochs=3, pair_sampling="batch_all", batch_all_per_class=4, learning_rate=1e-3, seed=0)
    model, history = train_siamese(data, config, torch.device("cpu"), resume=False)
    assert history["validation_attribution_accuracy"].iloc[-1] >= 2 / 3
    embeddings = embed_images(model, data.validation_generated, torch.device("cpu"), batch_size=4)
    assert embeddings.shape == (9, 256)


def test_missing_class_is_a_clear_error():
    data = _toy_data()
    with pytest.raises(ValueError, match=r"no generated training images for class\(es\) \[2\]"):
        PairData(data.real, data.real_labels, data.generated[:24], data.generated_labels[:24],
                 data.validation_generated, data.validation_generated_labels, 3)


class Interrupted(Exception):
    pass


def _train_until_interrupted(data, config, store, after_epoch: int) -> None:
    """A training stopped by an exception right after ``after_epoch`` (its checkpoint saved)."""

    def stop(epoch, _row):
        if epoch == after_epoch:
            raise Interrupted

    with pytest.raises(Interrupted):
        train_siamese(data, config, torch.device("cpu"), store, on_epoch_end=stop)


def test_resume_after_an_interruption_matches_an_uninterrupted_run(tmp_path):
    data = _toy_data(per_class=8)
    config = SiameseConfig(image_size=48, epochs=4, pairs_per_batch=8, learning_rate=1e-3, seed=3)
    uninterrupted, full_history = train_siamese(data, config, torch.device("cpu"), CheckpointStore(tmp_path / "a"))

    store = CheckpointStore(tmp_path / "b")
    _train_until_interrupted(data, config, store, after_epoch=2)
    assert store.latest()["epoch"] == 2
    resumed, history = train_siamese(data, config, torch.device("cpu"), store, resume=True)
    assert history["epoch"].tolist() == [1, 2, 3, 4]
    assert np.allclose(history["train_loss"], full_history["train_loss"])
    for key, value in uninterrupted.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key


def test_checkpoint_from_other_settings_is_not_resumed(tmp_path):
    data = _toy_data(per_class=6)
    store = CheckpointStore(tmp_path)
    train_siamese(data, SiameseConfig(image_size=48, epochs=1, pairs_per_batch=8, seed=1), torch.device("cpu"), store)
    _, history = train_siamese(data, SiameseConfig(image_size=48, epochs=2, pairs_per_batch=8, margin=2.0, seed=1),
                               torch.device("cpu"), store)
    assert history["epoch"].tolist() == [1, 2], "a checkpoint made with another margin starts training afresh"


def test_embedding_selected_rows_in_any_order_matches_embedding_them_directly():
    data = _toy_data(per_class=4)
    model = SiameseBranch(48)
    rows = np.array([7, 2, 11, 0])
    picked = embed_images(model, data.real, torch.device("cpu"), batch_size=3, rows=rows)
    direct = embed_images(model, data.real[rows], torch.device("cpu"), batch_size=3)
    assert np.allclose(picked, direct, atol=1e-6)
    assert embed_images(model, data.real, torch.device("cpu"), rows=np.array([], dtype=int)).shape == (0, 256)


def test_a_longer_checkpoint_is_never_returned_for_a_shorter_run(tmp_path, caplog):
    """Issue 16 item 3: epochs=3 after epochs=8 trained 3 fresh epochs, not the 8-epoch model."""
    data = _toy_data(per_class=6)
    store = CheckpointStore(tmp_path)
    long_model, _ = train_siamese(data, SiameseConfig(image_size=48, epochs=4, pairs_per_batch=8, seed=1),
                                  torch.device("cpu"), store)
    fresh_model, fresh_history = train_siamese(data, SiameseConfig(image_size=48, epochs=2, pairs_per_batch=8, seed=1),
                                               torch.device("cpu"), CheckpointStore(tmp_path / "fresh"))
    with caplog.at_level("WARNING"):
        model, history = train_siamese(data, SiameseConfig(image_size=48, epochs=2, pairs_per_batch=8, seed=1),
                                       torch.device("cpu"), store)
    assert "4 epochs, more than the 2 asked for" in caplog.text
    assert history["epoch"].tolist() == [1, 2] and not history["from_checkpoint"].any()
    assert np.allclose(history["train_loss"], fresh_history["train_loss"])
    for key, value in model.state_dict().items():
        assert torch.equal(value, fresh_model.state_dict()[key]), key
    assert any(not torch.equal(value, long_model.state_dict()[key]) for key, value in model.state_dict().items())
    assert store.latest()["epoch"] == 2
    assert sorted(torch.load(p, weights_only=True)["epoch"] for p in tmp_path.glob("*.pt")) == [2, 4], \
        "the short run kept the long run's checkpoint"


def test_a_finished_run_with_the_same_settings_is_reused_and_says_so(tmp_path, caplog):
    data = _toy_data(per_class=6)
    store = CheckpointStore(tmp_path)
    config = SiameseConfig(image_size=48, epochs=2, pairs_per_batch=8, seed=1)
    first, _ = train_siamese(data, config, torch.device("cpu"), store)
    with caplog.at_level("INFO"):
        again, history = train_siamese(data, config, torch.device("cpu"), store)
    assert "Reusing the finished Siamese training of 2 epochs" in caplog.text
    assert history["from_checkpoint"].all() and len(history) == 2
    for key, value in first.state_dict().items():
        assert torch.equal(value, again.state_dict()[key]), key


def _scripted_validation(monkeypatch, accuracies):
    """Validation accuracies by epoch, in order (the training itself is real)."""
    import gans_fingerprints.models.siamese_training as training

    scripted = iter(accuracies)
    monkeypatch.setattr(training, "validation_accuracy", lambda *_args: next(scripted))


def test_early_stopping_keeps_the_best_epoch_and_resumes_exactly(tmp_path, monkeypatch):
    data = _toy_data(per_class=8)
    config = SiameseConfig(image_size=48, epochs=8, patience=2, pairs_per_batch=8, learning_rate=1e-3, seed=3)
    _scripted_validation(monkeypatch, [0.4, 0.8, 0.6, 0.8] * 2)
    stopped, history = train_siamese(data, config, torch.device("cpu"), CheckpointStore(tmp_path / "a"))
    assert history["epoch"].tolist() == [1, 2, 3, 4], "two epochs without a better accuracy (a tie is not better), then stop"
    assert history.loc[history["kept"], "epoch"].tolist() == [2]
    _scripted_validation(monkeypatch, [0.4, 0.8])
    two_epochs, _ = train_siamese(data, SiameseConfig(**{**config.__dict__, "epochs": 2, "patience": 0}), torch.device("cpu"))
    for key, value in two_epochs.state_dict().items():
        assert torch.equal(value, stopped.state_dict()[key]), f"{key}: the kept weights are epoch 2's"

    store = CheckpointStore(tmp_path / "b")
    _scripted_validation(monkeypatch, [0.4, 0.8, 0.6, 0.8])
    _train_until_interrupted(data, config, store, after_epoch=3)
    _scripted_validation(monkeypatch, [0.8])
    resumed, resumed_history = train_siamese(data, config, torch.device("cpu"), store)
    assert resumed_history["epoch"].tolist() == [1, 2, 3, 4] and resumed_history["kept"].tolist() == [False, True, False, False]
    for key, value in stopped.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key


def test_min_steps_lengthens_the_epochs_of_a_small_dataset():
    from gans_fingerprints.models.siamese_training import steps_per_epoch

    data = _toy_data(per_class=12)  # 36 reals: the paper's rule gives 36 // 8 = 4 steps per epoch
    assert steps_per_epoch(data, SiameseConfig(image_size=48, epochs=3, pairs_per_batch=8)) == 4
    assert steps_per_epoch(data, SiameseConfig(image_size=48, epochs=3, pairs_per_batch=8, min_steps=31)) == 11
    assert steps_per_epoch(data, SiameseConfig(image_size=48, epochs=3, pairs_per_batch=8, min_steps=6)) == 4, "never fewer"


def test_a_network_that_learned_nothing_says_so(monkeypatch, caplog):
    """Judged by the lower end of the validation accuracy's 95% interval: on 9 validation images (3 classes,
    chance 0.33) 0.56 is not told from chance, 0.89 is."""
    from gans_fingerprints.models.siamese_training import accuracy_lower_bound, near_chance

    data = _toy_data(per_class=6)
    assert len(data.validation_generated) == 9
    config = SiameseConfig(image_size=48, epochs=2, patience=1, pairs_per_batch=8, seed=0)
    _scripted_validation(monkeypatch, [5 / 9, 4 / 9])
    _, history = train_siamese(data, config, torch.device("cpu"))
    assert near_chance(history, 3, 0.1, 9)
    assert "Siamese network NEAR CHANCE: validation attribution accuracy 0.556 on 9 images (95% lower bound 0.267)" in caplog.text
    _scripted_validation(monkeypatch, [5 / 9, 8 / 9])
    caplog.clear()
    _, history = train_siamese(data, config, torch.device("cpu"))
    assert accuracy_lower_bound(8 / 9, 9) > 1 / 3 + 0.1
    assert not near_chance(history, 3, 0.1, 9) and "NEAR CHANCE" not in caplog.text


def test_a_checkpoint_with_another_epoch_length_is_not_resumed(tmp_path):
    """Under min_steps the epoch length depends on the number of epochs: 2 epochs of 8 steps are not the
    first half of 4 epochs of 4 steps."""
    data = _toy_data(per_class=6)  # 18 reals // 8 = 2 steps per epoch by the paper's rule
    store = CheckpointStore(tmp_path)
    train_siamese(data, SiameseConfig(image_size=48, epochs=2, min_steps=16, pairs_per_batch=8, seed=1), torch.device("cpu"), store)
    _, history = train_siamese(data, SiameseConfig(image_size=48, epochs=4, min_steps=16, pairs_per_batch=8, seed=1),
                               torch.device("cpu"), store)
    assert not history["from_checkpoint"].any()


def test_auto_inference_batch_is_cache_sized_on_a_cpu_and_any_batch_gives_the_same_embeddings():
    from gans_fingerprints.models.siamese import SiameseBranch
    from gans_fingerprints.models.siamese_training import SiameseConfig, embed_images, inference_batch_size

    cpu = torch.device("cpu")
    assert inference_batch_size("auto", SiameseBranch(256), cpu) == 4  # 16 x 254 x 254 floats per image: 4 MB
    assert inference_batch_size("auto", SiameseBranch(64), cpu) == 68
    assert inference_batch_size("auto", SiameseBranch(64), torch.device("cuda")) == 256
    assert inference_batch_size(7, SiameseBranch(64), cpu) == 7
    with pytest.raises(ValueError, match=r"inference\.batch_size"):
        SiameseConfig(embed_batch_size=0)
    torch.manual_seed(0)
    model = SiameseBranch(32, filters=(4, 8))
    images = np.random.default_rng(0).integers(0, 256, (10, 32, 32), dtype=np.uint8)
    np.testing.assert_allclose(embed_images(model, images, cpu, 3), embed_images(model, images, cpu, "auto"), atol=1e-5)


def test_bfloat16_autocast_is_off_on_a_cpu_by_default_and_keeps_embeddings_float32_when_asked():
    from gans_fingerprints.devices import autocast
    from gans_fingerprints.errors import UserInputError
    from gans_fingerprints.models.siamese import SiameseBranch
    from gans_fingerprints.models.siamese_training import SiameseConfig, embed_images

    cpu = torch.device("cpu")
    with autocast(cpu, "auto"):
        assert not torch.is_autocast_enabled("cpu")  # measured slower on CPUs without bfloat16 units
    with autocast(cpu, "bfloat16"):
        assert torch.is_autocast_enabled("cpu")
    with pytest.raises(UserInputError, match="precision"):
        autocast(cpu, "float16")
    with pytest.raises(ValueError, match="precision"):
        SiameseConfig(precision="half")
    torch.manual_seed(0)
    model = SiameseBranch(32, filters=(4, 8))
    images = np.random.default_rng(0).integers(0, 256, (6, 32, 32), dtype=np.uint8)
    full, half = embed_images(model, images, cpu, precision="float32"), embed_images(model, images, cpu, precision="bfloat16")
    assert half.dtype == np.float32 and not np.array_equal(full, half)  # computed in bfloat16, handed back as float32
    np.testing.assert_allclose(full, half, atol=0.05)


def test_training_under_bfloat16_autocast_runs_and_keeps_float32_weights():
    config = SiameseConfig(image_size=48, epochs=1, pairs_per_batch=8, learning_rate=1e-3, seed=0, precision="bfloat16")
    model, history = train_siamese(_toy_data(), config, torch.device("cpu"), resume=False)
    assert np.isfinite(history["train_loss"]).all() and 0 <= history["validation_attribution_accuracy"].iloc[0] <= 1
    assert all(parameter.dtype == torch.float32 for parameter in model.parameters())
