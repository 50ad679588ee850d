"""Battery cases: one module per layer family, each defining ``CASES`` (a list of ``Case``).

Adding a layer to the battery in ``test_layer_battery.py`` means adding one
``Case`` to its family's module here (create the module for a new family; it
is picked up automatically).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    """A layer under test: how to make it and what to expect of it."""

    id: str
    factory: Callable
    input_shape: tuple
    n_trainable: int = 0
    n_non_trainable: int = 0
    # Inputs (shape, text fragments the message must hold) the built layer must refuse; an
    # optional third item makes the input from the shape (strings, out-of-range values) instead
    # of zeros, and then only the eager call is checked.
    bad_inputs: tuple = ()
    # Extra keyword arguments for from_config (e.g. safe_mode=False for Python lambdas).
    from_config_kwargs: dict = field(default_factory=dict)
    # False for layers whose config cannot rebuild them: from_config must then raise ValueError.
    config_round_trip: bool = True
    # Makes the input from a torch.Generator instead of randn (e.g. integer indices for Embedding).
    make_input: Callable | None = None
    # Other public layer classes this Case exercises (the cells inside an RNN).
    covers: tuple = ()
    # False for layers with integer/one-hot outputs (lookups, hashing): no gradient check.
    differentiable: bool = True
    # dtype of the symbolic keraton.Input in the shape check ("string", "int64"; None: floatx).
    input_dtype: str | None = None




def all_cases() -> list:
    """Every ``Case`` from every module of this package, in module-name order."""
    cases = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        cases.extend(module.CASES)
    return cases
