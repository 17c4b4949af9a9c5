"""What the machine can do, measured in the same run as a benchmark: its float32 matmul rate."""

from __future__ import annotations

import time

import torch


def matmul_gflops(device: torch.device, n: int = 2048, repeats: int = 10) -> float:
    """Float32 GFLOP/s of an n x n matrix product on ``device`` (warmed up, synchronised)."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    torch.mm(a, b)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        torch.mm(a, b)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9
