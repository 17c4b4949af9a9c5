"""Subtask-2 classifiers, one module each; importing this package registers them all.

* ``kmeans``: k-means clusters, each named after a subset by optimal assignment (the paper's Table 4).
* ``hierarchical``: agglomerative (Ward) clusters, named the same way.
* ``svm``: a linear (or kernel) support-vector machine; ``svm_generated``, the same learning from generated images too.

A new classifier is a new module here that calls ``register_classifier`` (see ``svm.py``).
"""

from __future__ import annotations

import importlib
import pkgutil

ORDER = ("kmeans", "hierarchical", "svm", "svm_generated")
"""The paper's methods first, in its order (the order of run files and table rows); others after, by name."""

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: (ORDER.index(m.name) if m.name in ORDER else len(ORDER), m.name)):
    importlib.import_module(f"{__name__}.{_module.name}")
