"""``keras.StatelessScope``: run code on given variable values without changing the variables.

Inside the scope each mapped variable holds (shares the storage of) a private
copy of its mapped value, so layers read the mapped values and every update
(``assign``, ``assign_add``, the in-place moving-statistics updates of
``BatchNormalization``) lands in that copy.  On exit the variables get their
own values back and the updated copies stay readable with
``scope.get_current_value(variable)``.
"""

from __future__ import annotations

import torch

from keraton.layers.weight_layout import keras_shape
from keraton.variables import Variable

_STACK: list = []


def get_stateless_scope():
    """The innermost open :class:`StatelessScope`, or ``None``."""
    return _STACK[-1] if _STACK else None


def in_stateless_scope() -> bool:
    """Whether a :class:`StatelessScope` is open."""
    return bool(_STACK)


def _as_value(variable, value) -> torch.Tensor:
    """``value`` as a detached copy in ``variable``'s storage dtype, device and layout."""
    from keraton.ops._utils import convert_to_tensor

    tensor = value.detach() if isinstance(value, torch.Tensor) else convert_to_tensor(value)
    if tuple(tensor.shape) != tuple(variable.shape):
        from_keras = variable.__dict__.get("_from_keras")
        if from_keras is None or tuple(tensor.shape) != keras_shape(variable):
            raise ValueError(
                "Invalid variable value in StatelessScope: all values in argument `mapping` must "
                "be tensors with a shape that matches the corresponding variable shape. For "
                f"variable {variable.path}, expected shape {tuple(variable.shape)}, received a "
                f"value with shape {tuple(tensor.shape)}.")
        tensor = from_keras(tensor)
    return tensor.to(device=variable.device, dtype=variable.dtype).clone()


class StatelessScope:
    """Scope in which keraton ``Variable``s are not changed, as ``keras.StatelessScope``.

    Args:
        state_mapping: list of ``(variable, value)`` pairs: inside the scope
            ``variable`` reads ``value`` (any tensor or array of the
            variable's shape, in its storage layout or Keras's).
        collect_losses: kept for Keras code; losses passed to ``add_loss``
            gather in ``scope.losses`` (``stateless_call(...,
            return_losses=True)`` fills it with the layer's losses).
        initialize_variables: kept for Keras code; keraton variables are
            created with their values, so there is nothing to initialize.

    After the scope, ``get_current_value(variable)`` is the variable's value
    at exit (``None`` for a variable that was not mapped), and the variable
    itself is back to its value before the scope.

    Differences from Keras: the mapped values are copied, so no gradient
    flows from what runs inside back to them (``Layer.stateless_call`` keeps
    gradients to the trainable values); a variable that is *not* in the
    mapping is updated in place if code inside assigns it.

    Example:

    >>> import keraton
    >>> dense = keraton.layers.Dense(2)
    >>> _ = dense(torch.ones(1, 3))
    >>> with StatelessScope([(w, torch.zeros_like(w)) for w in dense.weights]) as scope:
    ...     y = dense(torch.ones(1, 3))
    >>> y.tolist(), bool(dense.kernel.abs().sum() > 0)
    ([[0.0, 0.0]], True)
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses = []
        self.state_mapping = {}
        self._variables = {}
        self._saved = None
        for variable, value in state_mapping or []:
            if not isinstance(variable, Variable):
                raise ValueError(
                    "Invalid reference variable in StatelessScope: all keys in argument `mapping` "
                    f"must be Variable instances. Received instead: {variable!r}")
            self.state_mapping[id(variable)] = _as_value(variable, value)
            self._variables[id(variable)] = variable

    def __enter__(self):
        if self._saved is not None:
            raise RuntimeError("This StatelessScope is already open; open a new one instead.")
        self._saved = {key: var.data for key, var in self._variables.items()}
        for key, var in self._variables.items():
            var.data = self.state_mapping[key]
        _STACK.append(self)
        return self

    def __exit__(self, *exc_info):
        _STACK.remove(self)
        for key, var in self._variables.items():
            self.state_mapping[key] = var.data  # current, should code have replaced ``.data``
            var.data = self._saved[key]
        self._saved = None
        return False

    def add_loss(self, loss):
        """Collect a loss computed inside the scope."""
        self.losses.append(loss)

    def add_update(self, update):
        """Record ``(variable, value)`` as the variable's value in the scope, without assigning it."""
        variable, value = update
        if self._saved is not None and id(variable) in self._variables:
            variable.data = _as_value(variable, value)
        else:
            self.state_mapping[id(variable)] = value

    def get_current_value(self, variable):
        """The value ``variable`` holds in this scope (``None`` if it was never mapped or updated)."""
        if self._saved is not None and id(variable) in self._variables:
            return variable.data
        return self.state_mapping.get(id(variable))
