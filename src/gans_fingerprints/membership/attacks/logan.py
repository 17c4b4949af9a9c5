"""LOGAN's black-box idea (Hayes et al., PoPETs 2019): a classifier trained to tell the target's generated
images from known non-members; a real image it places on the generated side is more likely a member.

LOGAN's own black-box attack trains a local GAN on the generated images and uses its discriminator;
here the discriminator is an RBF support-vector classifier on a PCA of generated + reference images,
which, like a discriminator, fits the generated images closely enough that copies of members among them
pull the members to the generated side.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from gans_fingerprints.membership.registry import register_attack


@register_attack("logan", needs_reference=True)
def logan(
    queries: np.ndarray, generated: np.ndarray, reference: np.ndarray, components: int = 16, regularisation: float = 10.0
) -> np.ndarray:
    """The classifier's signed distance to its boundary, positive on the generated side."""
    training = np.concatenate([generated, reference])
    labels = np.concatenate([np.ones(len(generated)), np.zeros(len(reference))])
    dimensions = min(int(components), len(training) - 1, queries.shape[1])
    classifier = make_pipeline(PCA(n_components=dimensions, random_state=0), StandardScaler(),
                               SVC(C=float(regularisation), kernel="rbf", gamma="scale", class_weight="balanced"))
    classifier.fit(training, labels)
    return classifier.decision_function(queries)
