"""The membership-attack registry: a name, the scoring function, and what it needs.

An attack is one module in ``gans_fingerprints/membership/attacks/`` that registers itself with
:func:`register_attack`, and one block under ``subtask1_membership.attacks`` in
``conf/base/parameters_subtask1_membership.yml`` holding its options. The pipeline, its run
files, the comparison table and the report pick it up from the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Score = Callable[..., np.ndarray]
"""``score(queries, generated, reference, **options)``: higher = more likely a member."""


@dataclass(frozen=True)
class Attack:
    """A registered attack. ``needs_reference``: it uses known non-members (labels), so its scores
    are recomputed per cross-validation fold with that fold's non-members only."""

    name: str
    score: Score
    needs_reference: bool = False


ATTACKS: dict[str, Attack] = {}


def register_attack(name: str, *, needs_reference: bool = False) -> Callable[[Score], Score]:
    """Decorator that adds a scoring function to :data:`ATTACKS` under ``name``."""

    def register(score: Score) -> Score:
        if name in ATTACKS and ATTACKS[name].score is not score:
            raise ValueError(f"membership attack {name!r} is registered twice")
        ATTACKS[name] = Attack(name, score, needs_reference)
        return score

    return register


def registered_attacks() -> dict[str, Attack]:
    """Every attack: the modules of ``membership/attacks/`` are imported (and so registered) first."""
    import gans_fingerprints.membership.attacks  # noqa: F401, PLC0415 - importing registers them

    return dict(ATTACKS)


def attack_scores(
    attack: str, reals: np.ndarray, generated: np.ndarray, reference: np.ndarray, options: dict[str, Any] | None = None
) -> np.ndarray:
    """Scores of one attack for every image of ``reals`` (one split's real images) against that split's
    ``generated`` images; ``reference``: known non-members; ``options``: the attack's YAML block."""
    attacks = registered_attacks()
    if attack not in attacks:
        raise ValueError(f"unknown membership attack {attack!r}; registered: {sorted(attacks)}")
    return attacks[attack].score(reals, generated, reference, **(options or {}))
