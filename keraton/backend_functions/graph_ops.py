"""Keras 2 backend graph functions: ``K.function``, ``K.eval``, ``K.gradients``, ``K.placeholder``.

``K.function([model.input], [layer.output])`` is how Keras 2 programs read a
layer's activations: keraton builds a functional model from the symbolic
tensors and returns a callable that runs it on arrays and gives NumPy back,
as tf.keras 2's eager ``K.function`` does.  ``K.gradients(loss, tensors)`` on
symbolic tensors adds a node computing the gradients when the function runs
(Keras 2's filter visualization and Grad-CAM idiom); on torch tensors it is
``torch.autograd.grad``.

Example:
    >>> from keraton import backend as K
    >>> inp = keraton.Input((3,))
    >>> hidden = keraton.layers.Dense(2, kernel_initializer="ones")(inp)
    >>> K.function([inp], [hidden])([np.ones((1, 3))])
    [array([[3., 3.]], dtype=float32)]
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

from keraton import backend
from keraton.backend_functions import forward_values, update_scope
from keraton.backend_functions.state_ops import get_value
from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """A callable computing symbolic ``outputs`` from ``inputs`` on arrays (Keras 2's ``K.function``).

    ``inputs`` are ``keraton.Input`` tensors (one or a list); a list may also
    hold ``K.learning_phase()``, whose value in the call (0 or 1) runs the
    layers in inference or training mode, as Keras 2 did.  The callable takes
    the values in the same structure and returns NumPy arrays: a list when
    ``outputs`` is a list.

    ``updates`` run after the outputs on every call, from the same forward
    pass, as Keras 2 ran them in the same session step: the result of
    ``optimizer.get_updates(loss=..., params=...)`` on a symbolic loss (one
    optimizer step on the loss's gradients) and ``(variable, value)`` pairs
    with a symbolic ``value`` (assigned).  ``model.updates`` is empty:
    keraton's layers update their state during the forward pass.
    """
    del name, kwargs  # Keras 2's session options; nothing to configure on torch
    training_updates, assignments = _split_updates(updates)
    from keraton.models.functional import Functional

    single_input = not isinstance(inputs, (list, tuple))
    entries = [inputs] if single_input else list(inputs)
    symbolic = [i for i, t in enumerate(entries) if isinstance(t, KerasTensor)]
    phases = [i for i, t in enumerate(entries) if not isinstance(t, KerasTensor)]
    bad = [entries[i] for i in phases if not isinstance(entries[i], numbers.Integral)]
    if bad:
        raise ValueError(
            f"K.function inputs must be symbolic tensors from keraton.Input (or "
            f"K.learning_phase()); got {bad!r}."
        )
    many = isinstance(outputs, (list, tuple))
    extra = [u.loss for u in training_updates] + [value for _, value in assignments]
    model = Functional([entries[i] for i in symbolic], [*outputs, *extra] if many or extra else outputs)
    count = len(outputs) if many else 1
    differentiates = any(getattr(layer, "_takes_gradients", False) for layer in model._layer_list)

    def run(values):
        values = [values] if single_input else list(values)
        if len(values) != len(entries):
            raise ValueError(
                f"This K.function takes {len(entries)} input value(s) (one per input given to "
                f"K.function), got {len(values)}."
            )
        training = bool(values[phases[0]]) if phases else False
        fed = [values[i] if isinstance(values[i], torch.Tensor) else np.asarray(values[i])
               for i in symbolic]
        if differentiates:  # gradients with respect to the inputs need them in the graph
            fed = [_leaf(value, entries[i]) for value, i in zip(fed, symbolic)]
        with torch.set_grad_enabled(differentiates or bool(training_updates)):
            out = model(fed, training=training)
        if extra:
            out = list(out)
            results, losses, assigned = (out[:count], out[count:count + len(training_updates)],
                                         out[count + len(training_updates):])
            for update, loss in zip(training_updates, losses):
                update.apply(loss)
            with torch.no_grad():
                for (variable, _), value in zip(assignments, assigned):
                    variable.copy_(torch.broadcast_to(value.detach().to(variable.dtype), variable.shape))
            out = results if many else results[0]
        if many:
            out = out if isinstance(out, (list, tuple)) else [out]
            return [get_value(o) for o in out]
        return get_value(out)

    return run


def _split_updates(updates):
    """``K.function``'s ``updates``: the optimizer steps and the ``(variable, symbolic value)`` pairs."""
    steps, assignments, unknown = [], [], []
    for update in list(updates or ()):
        if isinstance(update, update_scope.TrainingUpdate):
            steps.append(update)
        elif (isinstance(update, tuple) and len(update) == 2 and isinstance(update[0], torch.Tensor)
              and isinstance(update[1], KerasTensor)):
            assignments.append(update)
        else:
            unknown.append(update)
    if unknown:
        raise ValueError(
            f"K.function(updates=...) got {', '.join(_describe(u) for u in unknown[:3])}: keraton "
            "runs eagerly, so an update made with K.update on tensors has already happened and "
            "cannot run again per call. Pass the result of optimizer.get_updates(loss, params) on "
            "a symbolic loss, or (variable, symbolic_value) pairs; or apply the update yourself "
            "after calling the function.")
    return steps, assignments


def _describe(update) -> str:
    if isinstance(update, tuple):
        return "(" + ", ".join(_describe(u) for u in update) + ")"
    if isinstance(update, (torch.Tensor, KerasTensor)):
        return f"{type(update).__name__}{tuple(update.shape)}"
    return repr(update)


def eval(x):  # noqa: A001  (Keras 2's name)
    """The value of a tensor or variable as NumPy, as Keras 2's ``K.eval``."""
    return get_value(x)


def _leaf(value, symbolic) -> torch.Tensor:
    """A fed value as a tensor that gradients can be taken with respect to (floats only)."""
    tensor = value.detach() if isinstance(value, torch.Tensor) else torch.from_numpy(np.array(value))
    if not tensor.is_floating_point():
        return tensor
    dtype = backend.torch_dtype(symbolic.dtype)
    return tensor.to(dtype if dtype.is_floating_point else tensor.dtype).requires_grad_(True)


def gradients(loss, variables):
    """The gradients of ``loss`` (summed if not scalar) with respect to ``variables``, as ``K.gradients``.

    ``variables`` is a tensor or a list of them; the result is always a list.
    On symbolic tensors (``model.input``, ``layer.output``, ``model.output[:, c]``,
    a loss built from them with ``K.mean``...) the gradients are symbolic too,
    computed when a ``K.function`` runs; weights (``model.trainable_weights``)
    may be mixed in.  On torch tensors the loss must have been computed with
    gradients enabled.  As TensorFlow, a variable the loss does not depend on
    gets ``None`` (zeros on symbolic tensors, whose values must exist).  The
    gradients are themselves differentiable (a gradient penalty can be trained).
    A loss function given to ``compile`` that captures a graph tensor (Keras
    2's WGAN-GP ``K.gradients(y_pred, averaged_samples)``) gets the gradients
    with respect to that tensor's value in the step's forward pass (see
    :mod:`keraton.backend_functions.forward_values`).
    """
    many = isinstance(variables, (list, tuple))
    variables = list(variables) if many else [variables]
    scope = update_scope.current()
    if scope is not None and loss is scope.loss:  # a Keras 2 optimizer's get_updates step
        return scope.gradients_of(variables)
    if isinstance(loss, KerasTensor) or any(isinstance(v, KerasTensor) for v in variables):
        if not isinstance(loss, KerasTensor):
            return _eager_gradients(loss, [_forward_value(v) for v in variables], symbolic=True)
        symbolic = [v for v in variables if isinstance(v, KerasTensor)]
        outputs = _Gradients(variables)([loss] + symbolic)
        return list(outputs)
    return _eager_gradients(loss, [torch.as_tensor(v) if not isinstance(v, torch.Tensor) else v
                                   for v in variables], symbolic=False)


def _forward_value(variable):
    """A variable of ``K.gradients`` on an eager loss: a symbolic one by its value in the forward pass."""
    if not isinstance(variable, KerasTensor):
        return variable if isinstance(variable, torch.Tensor) else torch.as_tensor(variable)
    value = forward_values.value_of(variable)
    if value is None:
        raise ValueError(
            f"K.gradients got the symbolic tensor {variable.name!r} but a loss that is not "
            "symbolic (a computed value), and the tensor's value in that computation is unknown. "
            "Pass the tensor to the loss through compile(loss=functools.partial(fn, name=tensor)) "
            "(as Keras 2's WGAN-GP gradient penalty), or build the loss from the same Keras "
            "tensors (K.mean(model.output)) and run it with K.function.")
    return value


def _eager_gradients(loss, variables, symbolic):
    loss = torch.as_tensor(loss)
    targets = [i for i, v in enumerate(variables) if v.requires_grad]
    if not targets:  # nothing to differentiate with respect to (frozen weights, constants)
        return [torch.zeros_like(v) if symbolic else None for v in variables]
    if not loss.requires_grad:
        if symbolic:
            return [torch.zeros_like(v) for v in variables]
        raise ValueError(
            "K.gradients needs a loss computed from the variables with gradients enabled (it was "
            "computed under torch.no_grad(), or from tensors that do not require gradients). Compute "
            "it from model weights or from tensors made with requires_grad_(True).")
    found = torch.autograd.grad(loss, [variables[i] for i in targets],
                                grad_outputs=torch.ones_like(loss), retain_graph=True,
                                create_graph=True, allow_unused=True)
    grads = [None] * len(variables)
    for i, g in zip(targets, found):
        grads[i] = g
    if symbolic:
        grads = [torch.zeros_like(v) if g is None else g for g, v in zip(grads, variables)]
    return grads


class _Gradients(Layer):
    """The node ``K.gradients`` adds to a graph: inputs ``[loss, *symbolic variables]``."""

    _takes_gradients = True  # evaluate/predict keep autograd on for it (call_context)

    def __init__(self, variables, **kwargs):
        super().__init__(**kwargs)
        # Held outside torch's attribute tracking: weights among the variables are not this
        # node's own (they would be counted twice in a model's weights).
        self.__dict__["_variables"] = tuple(variables)

    def call(self, inputs):
        fed = iter(inputs[1:])
        variables = [next(fed) if isinstance(v, KerasTensor) else v for v in self._variables]
        return _eager_gradients(inputs[0], variables, symbolic=True)

    def compute_output_spec(self, inputs):
        return [KerasTensor(v.shape, dtype=v.dtype if isinstance(v, KerasTensor)
                            else backend.dtype_name(v.dtype)) for v in self._variables]


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None, ragged=False):
    """A symbolic input of ``shape`` (batch axis included) or of ``ndim`` unknown axes (``K.placeholder``).

    As tf.keras 2 in eager mode, it is a Keras input tensor (``keraton.Input``
    with ``batch_shape=shape``), to feed through ``K.function``.
    """
    from keraton.layers.core.input_layer import Input

    if ragged:
        raise ValueError("K.placeholder(ragged=True) is not supported: torch has no ragged tensors. "
                         "Pad the sequences (keraton.utils.pad_sequences) and use a mask instead.")
    if not shape:
        if not ndim:
            raise ValueError("K.placeholder needs `shape` or `ndim`, got neither.")
        shape = (None,) * int(ndim)
    return Input(batch_shape=tuple(shape), dtype=dtype or backend.floatx(), sparse=sparse or None,
                 name=name)
