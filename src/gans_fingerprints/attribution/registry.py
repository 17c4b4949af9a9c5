"""The subtask-2 classifier registry: a name, a title, and a builder of a scikit-learn estimator.

A classifier is one module in ``gans_fingerprints/attribution/classifiers/`` that registers a
builder with :func:`register_classifier`, and one block under ``subtask2_features.classifiers``
in ``conf/base/parameters_subtask2_features.yml`` holding its options (and, optionally, ``train_roles``: the
labelled training images it learns from, otherwise the pipeline's ``train_roles``). The builder returns an
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
    """A registered classifier; ``title`` is how tables and figures name it. ``paper``: the authors' configuration
    (options and ``train_roles``) that makes its rows a reproduction of ``paper_table``, or None for an extension."""

    name: str
    title: str
    build: Builder
    paper: dict[str, Any] | None = None
    paper_table: str = ""

    def table(self, options: dict[str, Any], train_roles: list[str]) -> str:
        """``paper_table`` when ``options`` (with the builder's defaults) and ``train_roles`` are the authors', else ``extension``."""
        if self.paper is None:
            return "extension"
        defaults = {p.name: p.default for p in list(inspect.signature(self.build).parameters.values())[1:]}
        used = {**defaults, **options, "train_roles": sorted(train_roles)}
        same = all(used.get(key) == (sorted(value) if key == "train_roles" else value) for key, value in self.paper.items())
        return self.paper_table if same else "extension"

    def options(self) -> list[str]:
        """The keyword options its YAML block may set."""
        parameters = list(inspect.signature(self.build).parameters.values())[1:]
        return [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    def estimator(self, seed: int, options: dict[str, Any] | None = None) -> BaseEstimator:
        return self.build(seed, **(options or {}))


CLASSIFIERS: dict[str, Classifier] = {}
TRAIN_ROLES = "train_roles"
"""The one key of a classifier's block that is not a builder option: which labelled images it learns from."""


def register_classifier(
    name: str, *, title: str, paper: dict[str, Any] | None = None, paper_table: str = ""
) -> Callable[[Builder], Builder]:
    """Decorator that adds an estimator builder to :data:`CLASSIFIERS` under ``name`` (see :class:`Classifier`)."""

    def register(build: Builder) -> Builder:
        known = CLASSIFIERS.get(name)
        if known is not None and (known.build.__module__, known.build.__qualname__) != (build.__module__, build.__qualname__):
            raise ValueError(f"subtask-2 classifier {name!r} is registered twice")
        CLASSIFIERS[name] = Classifier(name, title, build, paper, paper_table)
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
        unknown = sorted(set(options or {}) - {*classifiers[name].options(), TRAIN_ROLES})
        if unknown:
            raise UserInputError(
                f"subtask2_features.classifiers.{name} has unknown option(s) {unknown}; {name} takes "
                + (f"{classifiers[name].options()} and {TRAIN_ROLES}." if classifiers[name].options() else f"only {TRAIN_ROLES}.")
            )
        roles = (options or {}).get(TRAIN_ROLES)
        if roles is not None and (not roles or set(roles) - {"real", "generated"}):
            raise UserInputError(f"subtask2_features.classifiers.{name}.{TRAIN_ROLES} must list some of ['real', 'generated'], "
                                 f"got {roles}.")


def split_options(options: dict[str, Any] | None, default_roles: list[str]) -> tuple[dict[str, Any], list[str]]:
    """A classifier block as (the builder's options, the training roles: the block's own or ``default_roles``)."""
    options = dict(options or {})
    roles = options.pop(TRAIN_ROLES, None)
    return options, [str(role) for role in (roles if roles is not None else default_roles)]
