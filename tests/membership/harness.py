"""What the membership tests share: a constructed example whose members the attacks must find."""

from __future__ import annotations

import numpy as np

OPTIONS = {"domias": {"components": 16}, "monte_carlo": {"epsilon_percentile": 1.0}}
""":class:`Attack` options for the constructed example (16 dimensions: DOMIAS keeps them all)."""


def constructed_example(seed=0):
    """Members appear among the generated images as exact copies; non-members do not."""
    rng = np.random.default_rng(seed)
    members, non_members = rng.normal(0, 1, (10, 16)), rng.normal(0, 1, (10, 16))
    generated = np.concatenate([members, members + rng.normal(0, 0.01, members.shape), rng.normal(0, 1, (20, 16))])
    reals = np.concatenate([members, non_members])
    labels = np.array([1] * 10 + [0] * 10)
    reference = rng.normal(0, 1, (30, 16))  # other known non-members from the same population
    return reals, generated, reference, labels
