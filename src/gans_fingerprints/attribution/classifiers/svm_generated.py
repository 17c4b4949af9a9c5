"""The authors' SVM learning from the generated training images' features too (beyond the paper: the test
images are generated, and each generator's images carry its traces)."""

from __future__ import annotations

from gans_fingerprints.attribution.classifiers.svm import svm
from gans_fingerprints.attribution.registry import register_classifier

svm_generated = register_classifier("svm_generated", title="SVM, real + generated")(svm)
