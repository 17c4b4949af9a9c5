"""Which backbones ``subtask2_features`` runs: the parameter ``subtask2_features.backbones``.

Kedro builds pipelines before it reads parameters, so a project hook (``hooks.BackboneSelection``)
reads the parameter when the run's context is created and rebuilds the pipelines when it
differs from the default, all four.
"""

from __future__ import annotations

from collections.abc import Iterable

from gans_fingerprints.errors import UserInputError

BACKBONE_NAMES = ("mobilenet_v2", "resnet50", "efficientnet_b0", "densenet121")
_selected: tuple[str, ...] = BACKBONE_NAMES


def selected_backbones() -> tuple[str, ...]:
    return _selected


def select_backbones(backbones: Iterable[str] | str) -> bool:
    """Set the selection; returns whether it changed. Unknown names are a clear error."""
    global _selected  # noqa: PLW0603 - the one piece of run state the pipeline registry reads
    names = [backbones] if isinstance(backbones, str) else [str(b) for b in backbones]
    unknown = sorted(set(names) - set(BACKBONE_NAMES))
    if unknown or not names:
        raise UserInputError(
            f"subtask2_features.backbones must name some of {list(BACKBONE_NAMES)}; got {names}. "
            "Example: --params 'subtask2_features.backbones=[resnet50]'."
        )
    chosen = tuple(name for name in BACKBONE_NAMES if name in names)
    changed, _selected = chosen != _selected, chosen
    return changed
