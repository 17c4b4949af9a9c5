"""The membership-attack registry: a name, the scoring function, and what it needs.

An attack is one module in ``gans_fingerprints/membership/attacks/`` that registers itself with
:func:`register_attack`, and one block under ``subtask1_membership.attacks`` in
``conf/base/parameters_subtask1_membership.yml`` holding its options. The pipeline, its run
files, the comparison table and the report pick it up from the registry.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gans_fingerprints.errors import UserInputError

Score = Callable[..., np.ndarray]
"""``score(queries, generated, reference, **options)``: higher = more likely a member."""


@dataclass(frozen=True)
class Attack:
    """A registered attack. ``needs_reference``: it uses known non-members (labels), so its scores
    are recomputed per cross-validation fold with that fold's non-members only.
    ``needs_reference_generator``: its ``reference`` is a reference generator's images instead (no labels: it
    scores every real once). ``spaces``: where
    ``subtask1_membership`` runs it (``pixels``, ``features``); any attack but one that needs a reference
    generator can score the Siamese network's embeddings (``subtask1_siamese.attack``)."""

    name: str
    score: Score
    needs_reference: bool = False
    spaces: tuple[str, ...] = ("pixels", "features")
    needs_reference_generator: bool = False

    def options(self) -> list[str]:
        """The keyword options its YAML block may set."""
        parameters = list(inspect.signature(self.score).parameters.values())[3:]
        return [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    def scores(
        self, queries: np.ndarray, generated: np.ndarray, reference: np.ndarray, options: dict[str, Any] | None = None
    ) -> np.ndarray:
        return self.score(queries, generated, reference, **(options or {}))


ATTACKS: dict[str, Attack] = {}


def register_attack(
    name: str, *, needs_reference: bool = False, spaces: tuple[str, ...] = ("pixels", "features"), needs_reference_generator: bool = False
) -> Callable[[Score], Score]:
    """Decorator that adds a scoring function to :data:`ATTACKS` under ``name``."""

    def register(score: Score) -> Score:
        known = ATTACKS.get(name)
        if known is not None and _origin(known.score) != _origin(score):  # a module reloaded is the same attack
            raise ValueError(f"membership attack {name!r} is registered twice")
        if needs_reference and needs_reference_generator:
            raise ValueError(f"membership attack {name!r}: its reference is known non-members or a generator's images, not both")
        ATTACKS[name] = Attack(name, score, needs_reference, tuple(spaces), needs_reference_generator)
        return score

    return register


def _origin(score: Score) -> tuple[str, str]:
    return score.__module__, score.__qualname__


def check_attack_options(
    options_by_attack: dict[str, Any] | None, where: str = "subtask1_membership.attacks", source: str = "parameters_subtask1_membership.yml"
) -> None:
    """Every block under ``where`` names a registered attack that runs in ``subtask1_membership``
    (pixels or features) and only its options."""
    for name, options in (options_by_attack or {}).items():
        check_attack(name, options, name_key=f"{where}.{name}", options_key=f"{where}.{name}", source=source,
                     spaces=("pixels", "features"))


def check_attack(
    name: str, options: dict[str, Any] | None, *, name_key: str, options_key: str, source: str, spaces: tuple[str, ...] | None = None
) -> Attack:
    """The registered attack ``name`` (set at ``name_key``), refused in one line if it is unknown, runs
    in none of ``spaces`` (when given), or is given an option (at ``options_key``) it does not take."""
    attacks = registered_attacks()
    if name not in attacks:
        raise UserInputError(f"{name_key} names no registered attack {name!r}; the attacks are {sorted(attacks)} ({source}).")
    attack = attacks[name]
    if spaces is not None and not set(attack.spaces) & set(spaces):
        raise UserInputError(f"{name_key}: the {name} attack runs only in {list(attack.spaces)}, never here ({list(spaces)}); "
                             f"remove it from {source} or choose an attack that runs here.")
    unknown = sorted(set(options or {}) - set(attack.options()))
    if unknown:
        raise UserInputError(f"{options_key} has unknown option(s) {unknown}; {name} takes {attack.options() or 'no options'} ({source}).")
    return attack


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
    return attacks[attack].scores(reals, generated, reference, options)
