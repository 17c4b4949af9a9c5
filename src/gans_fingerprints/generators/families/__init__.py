"""Generator families, one module each; importing this package registers them all.

* ``dcgan``: a DCGAN (Radford et al., 2016) with DiffAugment, non-saturating loss.
* ``ddpm``: a small denoising-diffusion U-Net (Ho et al., 2020) sampled with DDIM (Song et al., 2021).

A new family is a new module here that registers a class with ``register_family`` (see ``dcgan.py``).
"""

from __future__ import annotations

import importlib
import pkgutil

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_module.name}")
