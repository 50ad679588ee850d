"""Global seeding, as ``keras.utils.set_random_seed``.

``set_random_seed(seed)`` seeds Python's ``random``, NumPy's global generator and
torch (all CPU and CUDA generators), so that a program run twice with the same
seed draws the same numbers and initializes the same weights.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["get_random_seed", "set_random_seed"]

_GLOBAL_RANDOM_SEED: int | None = None

_MAX_SEED = 2**32 - 1  # NumPy's legacy seeding accepts [0, 2**32 - 1]


def set_random_seed(seed) -> None:
    """Seed Python ``random``, NumPy and torch with ``seed`` (an int in ``[0, 2**32 - 1]``).

    Matches ``keras.utils.set_random_seed`` (``random.seed``, ``np.random.seed``,
    ``torch.manual_seed``).  Also sets ``PYTHONHASHSEED`` in ``os.environ``: the
    running interpreter's ``hash()`` cannot change any more, but subprocesses
    started afterwards (e.g. spawned data workers) get stable string hashing.
    Raises ``ValueError`` for anything but a non-negative integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            f"Expected `seed` argument to be an integer. Received: seed={seed!r} "
            f"(of type {type(seed).__name__})."
        )
    seed = int(seed)
    if not 0 <= seed <= _MAX_SEED:
        raise ValueError(
            f"Expected `seed` to be a non-negative integer no larger than {_MAX_SEED}. "
            f"Received: seed={seed}."
        )
    global _GLOBAL_RANDOM_SEED
    _GLOBAL_RANDOM_SEED = seed
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds the CPU generator and every CUDA device's


def get_random_seed() -> int | None:
    """Return the seed last given to :func:`set_random_seed`, or None (as Keras)."""
    return _GLOBAL_RANDOM_SEED
