"""``DTypePolicy``: the compute and variable dtypes of a layer, and the global policy (Keras 3).

A policy named ``'mixed_bfloat16'`` or ``'mixed_float16'`` keeps variables in
float32 and computes in the low precision: a layer with such a policy runs its
``call`` under ``torch.autocast``, so matmuls and convolutions run in
bfloat16/float16 while weights, optimizer state and losses stay float32.
"""

from __future__ import annotations

import torch

from keraton import backend

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_LOW = {"float16": torch.float16, "bfloat16": torch.bfloat16}
# The global policy (None: floatx) and whether any mixed policy was ever made, which is
# the only case where a float32 layer must check for an enclosing autocast.
_GLOBAL_POLICY = [None]
MIXED_IN_USE = [False]


class DTypePolicy:
    """A dtype policy: ``compute_dtype`` for the maths, ``variable_dtype`` for the weights (Keras 3).

    Args:
        name: ``'float32'``, ``'float16'``, ``'bfloat16'``, ``'float64'``,
            ``'mixed_float16'`` or ``'mixed_bfloat16'``; ``None`` means floatx.

    Example:

    >>> p = DTypePolicy("mixed_bfloat16")
    >>> p.compute_dtype, p.variable_dtype
    ('bfloat16', 'float32')
    """

    def __init__(self, name=None):
        if name is None:
            name = backend.floatx()
        if isinstance(name, DTypePolicy):
            name = name.name
        if not isinstance(name, str):
            name = backend.dtype_name(backend.torch_dtype(name))
        if name in _MIXED:
            compute, variable = _MIXED[name], "float32"
            MIXED_IN_USE[0] = True
        else:
            try:
                if name.startswith("mixed_"):
                    raise ValueError(name)
                compute = variable = backend.dtype_name(backend.torch_dtype(name))
            except ValueError:
                raise ValueError(
                    f"Cannot convert '{name}' to a dtype policy. Valid policies include "
                    "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as "
                    "'float32'."
                ) from None
            if compute in _LOW:
                MIXED_IN_USE[0] = True
        self._name = name
        self._compute_dtype = compute
        self._variable_dtype = variable

    @property
    def name(self) -> str:
        """The policy's name, e.g. ``'mixed_bfloat16'``."""
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype layers compute in."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of layer weights."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """The quantization mode (``None`` for a float policy; see ``quantized_policy.py``)."""
        return None

    @property
    def autocast_dtype(self):
        """The torch dtype to autocast ``call`` to, or None when compute and variables agree."""
        return _LOW.get(self._compute_dtype) if self._compute_dtype != self._variable_dtype else None

    def get_config(self) -> dict:
        """``{"name": name}``, as Keras 3."""
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict):
        """Create the policy from :meth:`get_config`'s output."""
        return cls(**config)

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


Policy = DTypePolicy  # Keras 2's name (tf.keras.mixed_precision.Policy)


def set_global_policy(policy) -> None:
    """Set the policy of layers created from now on without ``dtype=`` (Keras's ``set_global_policy``).

    Example:

    >>> set_global_policy("mixed_bfloat16")
    >>> global_policy().compute_dtype
    'bfloat16'
    >>> set_global_policy("float32")
    """
    if policy is None:
        _GLOBAL_POLICY[0] = None
        return
    policy = policy if isinstance(policy, DTypePolicy) else get(policy)
    if not policy.variable_dtype.startswith("float"):
        raise ValueError(
            f"set_global_policy() expects a floating-point policy, got '{policy.name}'."
        )
    _GLOBAL_POLICY[0] = policy


def global_policy() -> DTypePolicy:
    """The global policy (``DTypePolicy(floatx())`` unless :func:`set_global_policy` was called)."""
    return _GLOBAL_POLICY[0] if _GLOBAL_POLICY[0] is not None else DTypePolicy(backend.floatx())


def get(identifier) -> DTypePolicy:
    """A policy from ``None`` (the global one), a name, a torch/NumPy dtype, a config dict or a policy.

    Names such as ``"int8_from_float32"`` and configs of the quantized policy
    classes give the quantized policies of ``quantized_policy.py``, as Keras.
    """
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        from keraton.mixed_precision.quantized_policy import POLICY_CLASSES

        cls = POLICY_CLASSES.get(identifier.get("class_name"))
        if cls is not None:
            return cls.from_config(identifier.get("config", {}))
        return DTypePolicy(identifier.get("config", identifier).get("name"))
    if isinstance(identifier, str):
        from keraton.mixed_precision.quantized_policy import (
            QUANTIZATION_MODES,
            quantized_policy_from_name,
        )

        if identifier.startswith(QUANTIZATION_MODES):
            return quantized_policy_from_name(identifier)
    return DTypePolicy(identifier)


FloatDTypePolicy = DTypePolicy  # Keras 3's name for a policy of float dtypes
