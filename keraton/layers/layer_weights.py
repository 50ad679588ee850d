"""A layer's weights: ``add_weight``, attribute tracking, Keras's weight order and accessors.

The part of ``Layer`` that owns weights: creating them (``add_weight``, with
Keras 3's and Keras 2's argument orders), tracking ``Variable``s and layers in
containers assigned to attributes (see ``tracking.py``), listing them in
Keras's order (own trainable, own non-trainable, plain torch modules' parameters,
then sublayers'), ``trainable``, ``get_weights``/``set_weights`` in Keras's
layout and ``count_params``.
"""

from __future__ import annotations

import numpy as np
import torch

from keraton import backend
from keraton.layers.tracking import (
    LayerDict,
    LayerList,
    TrackedDict,
    TrackedList,
    in_tracking_order,
    note_sublayers,
    should_track,
    track,
)
from keraton.layers.weight_layout import assign_keras_value, keras_shape, keras_value
from keraton.name_scopes import join_path
from keraton.variables import Variable


class WeightsMixin:
    """Weight creation, tracking and access of a ``Layer`` (see the module docstring)."""

    # ------------------------------------------------------------------ weights
    def add_weight(
        self,
        *args,
        shape=None,
        initializer=None,
        dtype=None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer=None,
        constraint=None,
        name: str | None = None,
        **kwargs,
    ) -> Variable:
        """Create a weight, register it as a parameter and return it (Keras's ``add_weight``).

        Accepts Keras 3's signature (``shape, initializer, dtype, trainable,
        autocast, regularizer, constraint``) and Keras 2's (``name, shape,
        dtype, initializer, regularizer, trainable, constraint``, recognised by
        a string first argument).  Non-trainable weights are parameters with
        ``requires_grad=False``, listed in ``non_trainable_weights``.
        """
        from keraton import constraints, initializers, regularizers

        if args:
            if isinstance(args[0], str):  # Keras 2 positional order
                order = ("name", "shape", "dtype", "initializer", "regularizer", "trainable",
                         "constraint")
            else:
                order = ("shape", "initializer", "dtype", "trainable", "autocast", "regularizer",
                         "constraint")
            if len(args) > len(order):
                raise TypeError(
                    f"add_weight() takes at most {len(order)} positional arguments but "
                    f"{len(args)} were given."
                )
            given = dict(shape=shape, initializer=initializer, dtype=dtype, trainable=trainable,
                         autocast=autocast, regularizer=regularizer, constraint=constraint, name=name)
            defaults = dict(shape=None, initializer=None, dtype=None, trainable=True,
                            autocast=True, regularizer=None, constraint=None, name=None)
            for key, value in zip(order, args):
                if given[key] is not defaults[key]:
                    raise TypeError(f"add_weight() got multiple values for argument '{key}'.")
                given[key] = value
            shape, initializer, dtype = given["shape"], given["initializer"], given["dtype"]
            trainable, regularizer = given["trainable"], given["regularizer"]
            constraint, name = given["constraint"], given["name"]
        kwargs.pop("aggregation", None)
        kwargs.pop("synchronization", None)
        kwargs.pop("use_resource", None)
        if kwargs:
            raise TypeError(f"add_weight() got unexpected keyword argument(s) {sorted(kwargs)}.")
        shape = tuple(int(d) for d in (shape or ()))
        if name is None:
            name = f"variable_{len(self._own_weights)}" if self._own_weights else "variable"
        torch_dtype = backend.torch_dtype(dtype) if dtype is not None else self._dtype
        if initializer is None:
            initializer = "glorot_uniform" if torch_dtype.is_floating_point else "zeros"
        init = initializers.get(initializer)
        value = init(shape, dtype=torch_dtype) if not isinstance(init, torch.Tensor) else init
        value = torch.as_tensor(value, dtype=torch_dtype).reshape(shape)
        with self._open_name_scope():
            path = join_path(name)
        param = Variable._wrap(value, trainable=bool(trainable), name=name, layer=self.name, path=path)
        if not self._trainable:
            param.requires_grad_(False)
        param._keras_autocast = bool(autocast)
        param._keras_regularizer = regularizers.get(regularizer)
        param._keras_constraint = constraints.get(constraint)
        attr = name.replace("/", "_").replace(".", "_")
        if attr in self._parameters or hasattr(type(self), attr):
            attr = f"{attr}_{len(self._own_weights)}"
        self.register_parameter(attr, param)
        self._own_weights.append(param)
        return param

    def __setattr__(self, name, value):
        modules = self.__dict__.get("_modules")
        if modules is not None and isinstance(modules.get(name), (LayerList, LayerDict)):
            del modules[name]  # a tracked container attribute is being replaced
            self.__dict__.pop(name, None)
        # Keras tracks a Variable assigned to a layer attribute as a weight of that layer.
        if isinstance(value, Variable) and "_own_weights" in self.__dict__ and not any(
                value is w for w in self._own_weights):
            if value.__dict__.get("_keras_layer") is None:
                value._keras_layer = self.__dict__.get("name")
            self._own_weights.append(value)
        elif isinstance(value, (TrackedList, TrackedDict)) and modules is not None:
            object.__setattr__(self, name, track(self, name, value))  # ``self.blocks += [...]``
            return
        elif modules is not None and not name.startswith("_") and should_track(value):
            # Keras tracks layers held in a list, dict or tuple attribute (``self.blocks =
            # [Dense(...) for _ in range(3)]``, or ``[]`` then ``append``): see tracking.py.
            object.__setattr__(self, name, track(self, name, value))
            return
        elif isinstance(value, WeightsMixin) and modules is not None:
            note_sublayers(self, [value])
        super().__setattr__(name, value)

    def __delattr__(self, name):
        modules = self.__dict__.get("_modules")
        if modules is not None and isinstance(modules.get(name), (LayerList, LayerDict)):
            del modules[name]
            self.__dict__.pop(name, None)
            return
        super().__delattr__(name)

    def _sublayers(self):
        """Direct child layers (any ``Layer`` among this module's children, containers flattened)."""
        out = []
        for m in self.children():
            if isinstance(m, WeightsMixin):
                out.append(m)
            elif isinstance(m, (LayerList, LayerDict)):
                out.extend(c for c in m.children() if isinstance(c, WeightsMixin))
        return in_tracking_order(self, _unique(out))

    def _own_split(self):
        trainable = [w for w in self._own_weights if w.trainable]
        non_trainable = [w for w in self._own_weights if not w.trainable]
        return trainable, non_trainable

    def _extra_torch_parameters(self):
        """Parameters of plain ``nn.Module`` children (not keraton layers), trained like weights."""
        out = []
        for child in self.children():
            if isinstance(child, (LayerList, LayerDict)):
                for member in child.children():
                    if not isinstance(member, WeightsMixin):
                        out.extend(member.parameters())
            elif not isinstance(child, WeightsMixin):
                out.extend(child.parameters())
        return out

    @property
    def weights(self) -> list:
        """All weights: own trainable, own non-trainable, then sublayers', in Keras's order."""
        trainable, non_trainable = self._own_split()
        out = trainable + non_trainable + self._extra_torch_parameters()
        for layer in self._sublayers():
            out.extend(layer.weights)
        return _unique(out)

    @property
    def trainable_weights(self) -> list:
        """Weights updated by training: empty when ``trainable`` is False, as in Keras."""
        if not self._trainable:
            return []
        out = self._own_split()[0] + [p for p in self._extra_torch_parameters() if p.requires_grad]
        for layer in self._sublayers():
            out.extend(layer.trainable_weights)
        return _unique(out)

    @property
    def non_trainable_weights(self) -> list:
        """Weights not updated by training (all of them when ``trainable`` is False)."""
        if not self._trainable:
            return self.weights
        out = self._own_split()[1] + [p for p in self._extra_torch_parameters() if not p.requires_grad]
        for layer in self._sublayers():
            out.extend(layer.non_trainable_weights)
        return _unique(out)

    @trainable_weights.setter
    def trainable_weights(self, weights) -> None:
        """Keras 2's setter: ``weights`` become the layer's own trainable weights.

        Keras 1 style custom layers create ``self.W = K.variable(...)`` and
        declare ``self.trainable_weights = [self.W]``; standalone Keras 2.x
        kept the setter (tf.keras 2 and Keras 3 dropped it). Own trainable
        weights left out of the list are no longer weights of the layer.
        """
        self._set_own_weights(weights, trainable=True)

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights) -> None:
        """Keras 2's setter: ``weights`` become the layer's own non-trainable weights."""
        self._set_own_weights(weights, trainable=False)

    def _set_own_weights(self, weights, trainable: bool) -> None:
        weights = list(weights)
        for w in weights:
            if not isinstance(w, Variable):
                raise TypeError(
                    f"Layer '{self.name}': {'' if trainable else 'non_'}trainable_weights must be "
                    f"a list of variables (keras.Variable, K.variable, add_weight), got "
                    f"{type(w).__name__}.")
        listed = {id(w) for w in weights}
        others = [w for w in self._own_weights if id(w) not in listed and w.trainable != trainable]
        for w in weights:
            w.trainable = trainable
            if not any(w is p for p in self._parameters.values()):
                self.register_parameter(f"_keras2_weight_{len(self._parameters)}", w)
        self._own_weights = others + weights

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self) -> bool:
        """Whether training updates this layer's weights; setting it applies to sublayers too."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        for module in self.modules():
            if isinstance(module, WeightsMixin):
                module._trainable = value
                # Parameters of wrapped plain torch modules freeze too; unfreezing
                # restores the requires_grad they had before.
                flags = module.__dict__.setdefault("_torch_grad_flags", {})
                for p in module._extra_torch_parameters():
                    if not value:
                        flags.setdefault(id(p), p.requires_grad)
                        p.requires_grad_(False)
                    else:
                        p.requires_grad_(flags.pop(id(p), p.requires_grad))
                for w in module._own_weights:
                    w.requires_grad_(value and w.trainable and w.is_floating_point())

    def save_own_variables(self, store) -> None:
        """Write this layer's own weights (not its sublayers') to ``store`` as ``"0"``, ``"1"``, ...

        Keras 3's hook, in Keras's order and layout (trainable weights first).
        A subclass may extend it: ``super().save_own_variables(store)`` then
        ``store["extra"] = ...``, as in keras.io's serialization guide.
        """
        from keraton.saving.saving_lib import _to_numpy, own_variables

        for i, p in enumerate(own_variables(self)):
            store[str(i)] = _to_numpy(p)

    def load_own_variables(self, store) -> None:
        """Assign this layer's own weights from what :meth:`save_own_variables` wrote.

        All values are checked (count, shapes, dtypes) before any is assigned.
        """
        from keraton.saving.saving_lib import _as_tensor_source, check_value, own_variables

        variables = own_variables(self)
        if not variables and len(store) and not self.built:
            raise ValueError(
                f"Layer '{self.name}' was never built and thus it doesn't have any variables. "
                f"However the weights file lists {len(store)} variables for this layer. Build it "
                "(call it on data or build(input_shape)) before loading, or give it a "
                "build_from_config() that creates its weights, as in Keras."
            )
        if len(store) != len(variables):
            raise ValueError(
                f"Layer '{self.name}' expected {len(variables)} variables, but received "
                f"{len(store)} variables during loading. Expected shapes: "
                f"{[keras_shape(p) for p in variables]}."
            )
        values = [store[str(i)] for i in range(len(variables))]
        where = f"{type(self).__name__} '{self.name}'"
        for p, value in zip(variables, values):
            check_value(p, value, where)
        for p, value in zip(variables, values):
            assign_keras_value(p, _as_tensor_source(value))

    def get_weights(self) -> list:
        """Return the weights as a list of NumPy arrays (copies) in Keras's layout and order."""
        return [keras_value(w).cpu().numpy().copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Set the weights from a list of arrays in Keras's layout, checking count and shapes."""
        params = self.weights
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(
                f"Layer '{self.name}' expects {len(params)} weight arrays "
                f"(shapes {[tuple(p.shape) for p in params]}), but set_weights() got "
                f"{len(weights)}. Pass a list like the one get_weights() returns."
            )
        arrays = [np.asarray(w) for w in weights]
        # Check every shape before assigning anything, so a refused call changes nothing.
        for p, w in zip(params, arrays):
            if tuple(w.shape) != keras_shape(p):
                raise ValueError(
                    f"Weight '{getattr(p, '_keras_name', '?')}' of layer "
                    f"'{getattr(p, '_keras_layer', self.name)}' has shape {keras_shape(p)}, "
                    f"but set_weights() got an array of shape {tuple(w.shape)}."
                )
        for p, w in zip(params, arrays):
            assign_keras_value(p, torch.as_tensor(w))

    def count_params(self) -> int:
        """Total number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(
                f"You tried to call count_params on layer '{self.name}', but the layer isn't "
                "built. Build it first by calling it on data or with build(input_shape)."
            )
        return int(sum(w.numel() for w in self.weights))


def _unique(items: list) -> list:
    seen = set()
    out = []
    for w in items:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out
