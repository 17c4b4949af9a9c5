"""torch's CPU threads follow the cores this process may use, not the machine's core count."""

import os

import pytest
import torch

from gans_fingerprints.devices import TORCH_DEFAULT_THREADS, available_cores, configure_threads
from gans_fingerprints.errors import UserInputError


def test_a_container_quota_caps_the_cores(tmp_path):
    affinity = len(os.sched_getaffinity(0))
    quota = tmp_path / "cpu.max"
    quota.write_text("100000 100000\n")
    assert available_cores(quota) == 1, "a quota of one core's time"
    quota.write_text("max 100000\n")
    assert available_cores(quota) == affinity, "no quota: the affinity"
    assert available_cores(tmp_path / "absent") == affinity


def test_threads_follow_the_cores_and_a_lower_omp_setting(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
        assert configure_threads() == min(available_cores(), TORCH_DEFAULT_THREADS) == torch.get_num_threads()
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        assert configure_threads() == 1 == torch.get_num_threads(), "a Dask worker's single thread is kept"
        assert configure_threads(2) == 2
        with pytest.raises(UserInputError, match="positive integer"):
            configure_threads(0)
    finally:
        torch.set_num_threads(before)


def test_auto_precision_wants_native_bfloat16_units(monkeypatch):
    import torch

    from gans_fingerprints.devices import has_bfloat16_units

    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda _device=None: (7, 5))  # T4: bfloat16 only emulated
    assert not has_bfloat16_units(torch.device("cuda"))
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda _device=None: (8, 0))  # A100 and later
    assert has_bfloat16_units(torch.device("cuda"))
