"""``stateless_call``: call a layer on given weight values, leaving its variables untouched (Keras 3).

The trainable values go into the layer's parameter slots for the call, as
``torch.func.functional_call`` does, so gradients flow back to them; a
:class:`~keraton.stateless_scope.StatelessScope` holds all values besides, so
the updates that ``call`` makes (``BatchNormalization``'s moving statistics)
land in copies that are returned instead of applied.
"""

from __future__ import annotations

import contextlib

import torch

from keraton.stateless_scope import StatelessScope


def _grad_view(variable, value):
    """``value`` as a tensor of ``variable``'s class and attributes that keeps ``value``'s autograd graph."""
    view = value.to(device=variable.device, dtype=variable.dtype).as_subclass(type(variable))
    view.__dict__.update(variable.__dict__)
    return view


@contextlib.contextmanager
def _parameters_replaced(layer, views):
    """Put ``views[id(variable)]`` in each parameter slot of ``layer``'s modules that holds ``variable``."""
    replaced = []
    try:
        for module in layer.modules():
            for slots in (module._parameters, module._buffers):
                for name, tensor in list(slots.items()):
                    view = views.get(id(tensor)) if tensor is not None else None
                    if view is not None:
                        replaced.append((slots, name, tensor))
                        slots[name] = view
        yield
    finally:
        for slots, name, tensor in reversed(replaced):
            slots[name] = tensor


def _regularization_losses(layer, views, out):
    """Each weight regularizer's penalty, on the values of the call, in ``Layer.losses``'s order.

    Trainable weights only, as ``Layer.losses``: a frozen layer's weights add none.
    """
    if not layer._trainable:
        return out
    for weight in layer._own_weights:
        regularizer = weight.__dict__.get("_keras_regularizer")
        if regularizer is not None and weight.trainable:
            out.append(regularizer(views.get(id(weight), weight)))
    for sublayer in layer._sublayers():
        _regularization_losses(sublayer, views, out)
    return out


def _check_variables(layer, given, expected, kind):
    if len(given) != len(expected):
        raise ValueError(
            f"Argument `{kind}` must be a list of tensors corresponding 1:1 to "
            f"{type(layer).__name__}().{kind}. Received list with length {len(given)}, but "
            f"expected {len(expected)} variables.")


def stateless_call(layer, trainable_variables, non_trainable_variables, *args, return_losses=False,
                   **kwargs):
    """Call ``layer`` with the given variable values and no side effect, as Keras's ``Layer.stateless_call``.

    Args:
        layer: a built keraton ``Layer`` or ``Model``.
        trainable_variables: values for ``layer.trainable_variables``, in order
            (tensors, arrays, or the variables themselves).
        non_trainable_variables: values for ``layer.non_trainable_variables``.
        *args, **kwargs: the call's arguments (``training=True`` to update
            moving statistics).
        return_losses: also return the losses of the call (``add_loss``
            values, then weight regularization on the given values).

    Returns:
        ``(outputs, non_trainable_variables)``, the second being the new
        values of ``layer.non_trainable_variables`` after the call, or
        ``(outputs, non_trainable_variables, losses)``.  The layer's own
        variables keep their values.  Gradients flow from the outputs to the
        trainable values given as tensors that require grad.

    Example:

    >>> import keraton
    >>> dense = keraton.layers.Dense(2)
    >>> _ = dense(torch.ones(1, 3))
    >>> zeros = [torch.zeros_like(w) for w in dense.trainable_variables]
    >>> y, _ = stateless_call(dense, zeros, [], torch.ones(1, 3))
    >>> y.tolist()
    [[0.0, 0.0]]
    """
    if not layer.built:
        raise ValueError(
            f"To call stateless_call, {type(layer).__name__} must be built (i.e. its variables "
            "must have been already created). You can build it by calling it on some data.")
    trainable = list(layer.trainable_variables)
    non_trainable = list(layer.non_trainable_variables)
    _check_variables(layer, trainable_variables, trainable, "trainable_variables")
    _check_variables(layer, non_trainable_variables, non_trainable, "non_trainable_variables")
    mapping = list(zip(trainable, trainable_variables)) + list(zip(non_trainable,
                                                                     non_trainable_variables))
    views = {}
    for variable, value in zip(trainable, trainable_variables):
        if (isinstance(value, torch.Tensor) and value is not variable and value.requires_grad
                and tuple(value.shape) == tuple(variable.shape)):
            views[id(variable)] = _grad_view(variable, value)
    losses = None
    with StatelessScope(mapping, collect_losses=return_losses) as scope:
        with _parameters_replaced(layer, views):
            outputs = layer(*args, **kwargs)
            if return_losses:
                call_losses = []
                layer._gather_losses(call_losses, [])
                losses = call_losses + _regularization_losses(layer, views, [])
                scope.losses.extend(losses)
    new_values = [scope.get_current_value(v) for v in non_trainable]
    if return_losses:
        return outputs, new_values, losses
    return outputs, new_values
