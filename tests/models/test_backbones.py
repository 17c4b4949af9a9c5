import urllib.error

import numpy as np
import pytest
import torch

from gans_fingerprints.models import backbones
from gans_fingerprints.models.backbones import BACKBONES, MissingWeightsError, build_backbone, extract_features
from gans_fingerprints.pipelines.subtask2_features.pipeline import BACKBONE_NAMES


@pytest.mark.parametrize(("name", "width"), [("mobilenet_v2", 1280), ("resnet50", 2048), ("efficientnet_b0", 1280), ("densenet121", 1024)])
def test_each_backbone_builds_offline_and_gives_its_feature_width(name, width):
    model, preprocess, record = build_backbone(name, weights="none")
    features = extract_features(model, preprocess, np.random.default_rng(0).integers(0, 256, (3, 64, 64), dtype=np.uint8),
                                torch.device("cpu"), batch_size=2)
    assert features.shape == (3, width) and np.isfinite(features).all()
    assert record["weights"].startswith("none") and record["features"] == width


def test_each_backbone_keeps_its_own_preprocessing():
    transforms = {name: build_backbone(name, "none")[1] for name in ("efficientnet_b0", "resnet50")}
    assert "BICUBIC" in repr(transforms["efficientnet_b0"]) and "BILINEAR" in repr(transforms["resnet50"])
    rgb = torch.rand(2, 3, 64, 64)
    assert transforms["resnet50"](rgb).shape == (2, 3, 224, 224)


def test_the_pipeline_knows_every_backbone_without_importing_torch():
    assert set(BACKBONE_NAMES) == set(BACKBONES)


def test_missing_weights_name_the_file_and_the_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(MissingWeightsError) as error:
        build_backbone("resnet50", weights="imagenet", download=False)
    message = str(error.value)
    assert str(tmp_path / "checkpoints" / "resnet50-0676ba61.pth") in message
    assert "https://download.pytorch.org/models/resnet50-0676ba61.pth" in message
    assert "subtask2_features.weights=none" in message


def test_a_failed_download_becomes_the_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(MissingWeightsError, match=r"URLError.*put the file at"):
        build_backbone("densenet121", weights="imagenet", download=True)


def test_a_wrong_cached_file_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    path = backbones.weights_file("mobilenet_v2")
    path.parent.mkdir(parents=True)
    torch.save({"not": torch.zeros(1)}, path)
    with pytest.raises(MissingWeightsError, match="does not hold mobilenet_v2's weights; replace it"):
        build_backbone("mobilenet_v2", weights="imagenet", download=False)


def test_unknown_backbone_and_weights():
    from gans_fingerprints.errors import UserInputError

    with pytest.raises(UserInputError, match="Unknown backbone 'vgg16'"):
        build_backbone("vgg16")
    with pytest.raises(UserInputError, match="weights must be one of"):
        build_backbone("resnet50", weights="random")


def test_selected_rows_and_empty_input_keep_the_feature_width():
    model, preprocess, _ = build_backbone("mobilenet_v2", weights="none")
    images = np.random.default_rng(1).integers(0, 256, (5, 32, 32), dtype=np.uint8)
    rows = np.array([4, 0, 2])
    picked = extract_features(model, preprocess, images, torch.device("cpu"), batch_size=2, rows=rows)
    assert np.allclose(picked, extract_features(model, preprocess, images[rows], torch.device("cpu"), batch_size=2), atol=1e-5)
    assert extract_features(model, preprocess, images[:0], torch.device("cpu")).shape == (0, 1280)


def test_random_weights_come_from_the_seed_alone():
    """The demo's feature-space results changed from run to run: torch's start seed is random per process."""
    first, _, _ = build_backbone("mobilenet_v2", weights="none", seed=7)
    torch.manual_seed(123)  # whatever ran before must not matter
    torch.rand(10)
    again, _, _ = build_backbone("mobilenet_v2", weights="none", seed=7)
    other, _, record = build_backbone("mobilenet_v2", weights="none", seed=8)
    state, state_again, state_other = first.state_dict(), again.state_dict(), other.state_dict()
    assert all(torch.equal(state[k], state_again[k]) for k in state)
    assert not all(torch.equal(state[k], state_other[k]) for k in state)
    assert "seed 8" in record["weights"]
    generator_state = torch.get_rng_state()
    build_backbone("mobilenet_v2", weights="none", seed=9)
    assert torch.equal(torch.get_rng_state(), generator_state), "the global generator is left as it was"


def test_auto_batch_is_small_on_a_cpu_and_large_on_a_gpu():
    from gans_fingerprints.errors import UserInputError
    from gans_fingerprints.models.backbones import backbone_batch_size

    assert backbone_batch_size("auto", torch.device("cpu")) == 4
    assert backbone_batch_size("auto", torch.device("cuda")) == 64
    assert backbone_batch_size(16, torch.device("cpu")) == 16
    with pytest.raises(UserInputError, match="batch_size"):
        backbone_batch_size(0, torch.device("cpu"))
