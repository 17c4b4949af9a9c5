"""The subtask-2 classifier registry: a name, a title, and a builder of a scikit-learn estimator.

A classifier is one module in ``gans_fingerprints/attribution/classifiers/`` that registers a
builder with :func:`register_classifier`, and one block under ``subtask2_features.classifiers``
in ``conf/base/parameters_subtask2_features.yml`` holding its options. The builder returns an
unfitted scikit-learn estimator (``fit(features, subsets)``, ``predict(features)``); the pipeline
puts the shared standardisation in front of it, writes one run file per classifier and reports
each, for every backbone.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sklearn.base import BaseEstimator

from gans_fingerprints.errors import UserInputError

Builder = Callable[..., BaseEstimator]
"""``build(seed, **options)`` → an unfitted estimator."""


@dataclass(frozen=True)
class Classifier:
    """A registered classifier; ``title`` is how tables and figures name it."""

    name: str
    title: str
    build: Builder

    def options(self) -> list[str]:
        """The keyword options its YAML block may set."""
        parameters = list(inspect.signature(self.build).parameters.values())[1:]
        return [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    def estimator(self, seed: int, options: dict[str, Any] | None = None) -> BaseEstimator:
        return self.build(seed, **(options or {}))


CLASSIFIERS: dict[str, Classifier] = {}


def register_classifier(name: str, *, title: str) -> Callable[[Builder], Builder]:
    """Decorator that adds an estimator builder to :data:`CLASSIFIERS` under ``name``."""

    def register(build: Builder) -> Builder:
        known = CLASSIFIERS.get(name)
        if known is not None and (known.build.__module__, known.build.__qualname__) != (build.__module__, build.__qualname__):
            raise ValueError(f"subtask-2 classifier {name!r} is registered twice")
        CLASSIFIERS[name] = Classifier(name, title, build)
        return build

    return register


def registered_classifiers() -> dict[str, Classifier]:
    """Every classifier: the modules of ``attribution/classifiers/`` are imported (and so registered) first."""
    import gans_fingerprints.attribution.classifiers  # noqa: F401, PLC0415 - importing registers them

    return dict(CLASSIFIERS)


def check_classifier_options(options_by_classifier: dict[str, Any] | None) -> None:
    """Every block under ``subtask2_features.classifiers`` names a registered classifier and only its options."""
    classifiers = registered_classifiers()
    for name, options in (options_by_classifier or {}).items():
        if name not in classifiers:
            raise UserInputError(
                f"subtask2_features.classifiers.{name} names no registered classifier; the classifiers are "
                f"{sorted(classifiers)} (parameters_subtask2_features.yml)."
            )
        unknown = sorted(set(options or {}) - set(classifiers[name].options()))
        if unknown:
            raise UserInputError(
                f"subtask2_features.classifiers.{name} has unknown option(s) {unknown}; {name} takes "
                f"{classifiers[name].options() or 'no options'}."
            )
