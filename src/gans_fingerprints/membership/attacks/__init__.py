"""Black-box membership attacks, one module each; importing this package registers them all.

* ``gan_leaks``: minus the distance from a real image to its nearest generated image
  (GAN-Leaks' full black-box attack, Chen et al., CCS 2020).
* ``threshold_max``: the nearest-generated similarity calibrated by the nearest *other real*
  image: ``d(x, nearest real) − d(x, nearest generated)`` (VCMI's "threshold_max", ImageCLEF 2023).
* ``domias``: log density ratio ``p_generated(x) / p_reference(x)`` in a PCA space, the reference
  being known non-members (DOMIAS, van Breugel et al., AISTATS 2023).
* ``monte_carlo``: the share of generated images within ε of x (Hilprecht et al., PoPETs 2019).
* ``mean_k_nearest``: minus the mean distance to the k nearest generated images; the paper's
  Siamese score (run on the Siamese embeddings only: at k = 1 it is ``gan_leaks``).
* ``gan_leaks_calibrated``: the nearest-generated distance less the nearest distance to a reference
  generator's images, one of the same family that trained on none of the queries (GAN-Leaks' calibrated
  attack, Chen et al., CCS 2020; the images come from ``subtask1_membership.reference_generator``).
* ``logan``: a classifier of generated images against known non-members scores how far a real image
  lies on the generated side (LOGAN's black-box idea, Hayes et al., PoPETs 2019).

They run in this order (``ORDER``, then new ones by name).
A new attack is a new module here that calls ``register_attack`` (see ``gan_leaks.py``).
"""

from __future__ import annotations

import importlib
import pkgutil

ORDER = ("gan_leaks", "threshold_max", "domias", "monte_carlo", "mean_k_nearest")
"""The paper-era attacks first, in this order (it fixes the run order, hence the results); others after, by name."""

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: (ORDER.index(m.name) if m.name in ORDER else len(ORDER), m.name)):
    importlib.import_module(f"{__name__}.{_module.name}")
