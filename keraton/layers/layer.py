"""The ``Layer`` base class: Keras's layer API on a ``torch.nn.Module``.

A keraton layer follows Keras's four-part shape: ``__init__`` stores the
config, ``build(input_shape)`` creates weights with ``add_weight`` the first
time the layer sees an input, ``call`` computes, ``get_config`` returns what
``__init__`` took.  It is also a plain ``nn.Module``: its weights are
``keraton.Variable``s, ``nn.Parameter`` subclasses with Keras's variable API
(``state_dict()``, ``.to()``, ``named_parameters()`` all work), and ``forward``
is ``call``.  A ``Variable`` assigned to a layer attribute is tracked as one of
its weights, as in Keras.

Two Keras behaviours shape the design:

* A call without ``training=`` resolves it as Keras: the enclosing call's
  value, else ``call``'s default, else inference (``call_context.
  resolve_training``; torch's mode counts where user code set it).  The
  module's torch mode follows: ``fit`` holds the model in training mode,
  ``layer(x, training=True)`` flips it for one call, so torch modules inside
  see the same value.
* Calling a layer on a symbolic ``KerasTensor`` (functional API) builds it and
  records a ``Node`` instead of computing.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from keraton import backend, rematerialization
from keraton.layers import call_context
from keraton.layers.auto_config import capture_constructor_arguments, init_takes_name
from keraton.layers.build_call import call_build
from keraton.layers.call_context import (  # noqa: F401  (re-exported)
    _call_accepts,
    _input_mask,
    first_call_parameter,
)
from keraton.layers.input_spec import InputSpec, check_input_spec
from keraton.layers.keras2_layer_api import Keras2LayerMixin
from keraton.layers.layer_scope import NameScopeMixin
from keraton.layers.layer_weights import WeightsMixin, _unique  # noqa: F401  (re-exported)
from keraton.layers.shape_utils import (  # noqa: F401  (re-exported for layer families)
    _as_batch_shape,
    _is_shape,
    _is_symbolic,
    _jsonable_shape,
    _shapes_of,
    _shapes_to_tensors,
    _tupled,
)
from keraton.layers.symbolic_call import SymbolicCallMixin
from keraton.layers.tracking import LayerList  # noqa: F401  (re-exported)
from keraton.layers.weight_layout import (  # noqa: F401  (re-exported)
    assign_keras_value,
    keras_shape,
    keras_value,
    set_keras_layout,
)
from keraton.mixed_precision import autocast as autocast_utils
from keraton.mixed_precision import policy as dtype_policies
from keraton.operation import Operation
from keraton.utils import tree
from keraton.variables import Variable


def _has_array(x) -> bool:
    """Whether ``x`` is a NumPy array or a list/tuple/dict holding one at its top level."""
    if isinstance(x, np.ndarray):
        return True
    if isinstance(x, (list, tuple)):
        return any(isinstance(v, np.ndarray) for v in x)
    if isinstance(x, dict):
        return any(isinstance(v, np.ndarray) for v in x.values())
    return False



def _assignable(fget):
    """A property that an instance may also assign, the assigned value then taking precedence.

    ``input_shape``, ``output_shape``, ``input_dim`` and ``batch_size`` are
    conveniences Keras 3 layers do not have, so custom Keras 3 layers use these
    names as plain attributes (``self.input_dim = input_dim`` in ``__init__``).
    """
    key = "_assigned_" + fget.__name__

    def get(self):
        assigned = self.__dict__.get(key, _UNSET)
        return fget(self) if assigned is _UNSET else assigned

    def set(self, value):
        self.__dict__[key] = value

    return property(get, set, doc=fget.__doc__)


_UNSET = object()

class Layer(WeightsMixin, NameScopeMixin, SymbolicCallMixin, Keras2LayerMixin, nn.Module,
            Operation):
    """Base class of all keraton layers: a ``torch.nn.Module`` with Keras's layer API.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: layer name; defaults to the snake-cased class name made unique
            (``dense``, ``dense_1``, ...), as in Keras.
        dtype: variable dtype (``'float32'`` by default).
        input_shape / input_dim / batch_input_shape / batch_size: Keras 2 ways
            of declaring the input of the first layer of a ``Sequential``.
        weights: Keras 2's initial weights, a list as ``get_weights()`` returns
            it, set as soon as the layer is built (``Conv2D(..., weights=[w, b])``).
        activity_regularizer: regularizer applied to the layer's output.

    Example:
        >>> class Scale(keraton.layers.Layer):
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        ...     def call(self, x):
        ...         return x * self.w
    """

    # Models leave the mask their inner layers put on the output as it is.
    _mask_from_call = False
    _first_calls = True

    def __new__(cls, *args, **kwargs):
        # As Keras 3, a user's layer class that does not write ``get_config`` gets one
        # from the arguments of its own ``__init__`` (see ``get_config``); keraton's
        # layers write their configs, and their constructors' Keras 2 arguments
        # (``input_shape``, ``weights``, ...) must not reach a Keras 3 config.
        instance = super().__new__(cls)
        if not (getattr(cls.__init__, "__module__", None) or "").startswith("keraton."):
            instance.__dict__["_auto_config"] = capture_constructor_arguments(cls, args, kwargs)
        return instance

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype=None,
        autocast: bool = True,
        input_shape=None,
        input_dim: int | None = None,
        batch_input_shape=None,
        batch_size: int | None = None,
        activity_regularizer=None,
        weights=None,
        **kwargs,
    ):
        super().__init__()
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s) "
                f"{sorted(kwargs)}. Check the spelling against the Keras documentation for "
                f"{type(self).__name__}."
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Layer name must be a string, got {name!r}.")
        self.name = name or backend.unique_object_name(backend.to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self._dtype_arg = dtype
        self._dtype_policy = dtype_policies.get(dtype)  # None: the global policy (mixed precision)
        self._dtype = backend.torch_dtype(self._dtype_policy.variable_dtype)
        self.autocast = autocast
        self.built = False
        self._remat_mode = rematerialization.get_current_remat_mode()  # keras.RematScope
        self._own_weights: list[Variable] = []
        self._call_losses: list = []
        self._inbound_nodes: list = []
        self._build_shapes = None
        self._initial_weights = None if weights is None else list(weights)
        self.input_spec: InputSpec | None = None
        self.supports_masking = getattr(self, "supports_masking", False)
        from keraton import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            self._batch_input_shape = (batch_size,) + tuple(input_shape)
        elif input_dim is not None:
            self._batch_input_shape = (batch_size, int(input_dim))
        else:
            self._batch_input_shape = None
        call_context.set_mode(self, False)

    # ------------------------------------------------------------------ losses
    def add_loss(self, loss) -> None:
        """Add a loss tensor (e.g. an activity penalty) computed in ``call``; read via ``losses``.

        A zero-argument callable (tf.keras 2's ``model.add_loss(lambda:
        K.mean(layer.kernel))``) is kept and evaluated anew at every training
        step and every read of ``losses``.
        """
        if callable(loss) and not isinstance(loss, torch.Tensor):
            self.__dict__.setdefault("_callable_losses", []).append(loss)
            return
        if not self._call_losses:
            call_context.STATE.pending_loss_layers.append(self)
        self._call_losses.append(loss)

    @property
    def losses(self) -> list:
        """Losses from the last call (``add_loss``, activity regularizers) plus weight regularization.

        As Keras: every layer's ``add_loss`` values first, then the regularization terms of
        the trainable weights (a frozen layer's weights add none).
        """
        call_losses, reg_losses = [], []
        self._gather_losses(call_losses, reg_losses)
        return call_losses + reg_losses

    @property
    def metrics(self) -> list:
        """The ``Metric`` objects held as attributes of this layer and of its sublayers (Keras 3).

        A model's ``fit`` reports them (keras.io's endpoint-layer pattern).
        """
        out = []
        for layer in self.modules():
            out.extend(m for m in held_metrics(layer) if m not in out)
        return out

    def stateless_call(self, trainable_variables, non_trainable_variables, *args,
                       return_losses=False, **kwargs):
        """Call the layer on given variable values without changing its own (Keras 3's ``stateless_call``).

        Returns ``(outputs, non_trainable_variables)`` with the updated
        non-trainable values (``(outputs, non_trainable_variables, losses)``
        with ``return_losses=True``); see :func:`keraton.layers.stateless.stateless_call`.
        """
        from keraton.layers.stateless import stateless_call

        return stateless_call(self, trainable_variables, non_trainable_variables, *args,
                              return_losses=return_losses, **kwargs)

    def _gather_losses(self, call_losses: list, reg_losses: list, trainable: bool = True) -> None:
        # Weight regularization covers the trainable weights only, as in Keras 3: a frozen
        # layer (or one inside a frozen layer) and non-trainable weights add no penalty.
        call_losses.extend(self._call_losses)
        call_losses.extend(v for v in (fn() for fn in self.__dict__.get("_callable_losses", ()))
                           if v is not None)
        trainable = trainable and self._trainable
        for w in self._own_weights if trainable else ():
            reg = getattr(w, "_keras_regularizer", None)  # None for a keras.Variable made by hand
            if reg is not None and w.trainable:
                reg_losses.append(reg(w))
        for layer in self._sublayers():
            layer._gather_losses(call_losses, reg_losses, trainable)

    # ------------------------------------------------------------------ build/call
    def build(self, input_shape) -> None:
        """Create the layer's weights for ``input_shape``; the base version creates none."""
        self.built = True

    def _maybe_build(self, input_shapes, call_args=None) -> None:
        """Build once, from the first input's shapes (and, for a ``build`` taking several
        ``<argument>_shape`` parameters, from the ``(args, kwargs)`` of the call)."""
        if self.built:
            return
        self._build_shapes = _as_batch_shape(input_shapes)
        call_build(self, input_shapes, call_args)
        self.built = True
        self._set_initial_weights()

    def _set_initial_weights(self) -> None:
        """Keras 2's ``weights=`` constructor argument: set once, as soon as the layer is built."""
        weights = self.__dict__.get("_initial_weights")
        if weights is not None:
            self._initial_weights = None
            self.set_weights(weights)

    def call(self, *args, **kwargs):
        """The layer's computation on torch tensors; subclasses override it."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call().")

    def forward(self, *args, **kwargs):
        """``nn.Module.forward`` is Keras's ``call`` (rematerialized as a ``RematScope`` asked)."""
        if self._remat_mode is not None:
            return rematerialization.rematerialized_call(self, self.call, args, kwargs)(*args, **kwargs)
        return self.call(*args, **kwargs)

    _mode_pinned = False  # set once user code calls train()/eval() on the layer or a parent

    def train(self, mode: bool = True):
        """``nn.Module.train``; from user code it also pins the mode bare calls use.

        After ``model.eval()`` a call without ``training=`` infers, augmentation
        layers included (Keras's augmentation layers would augment); after
        ``model.train()`` it trains.  keraton's own mode changes do not pin.
        """
        if not call_context.STATE.internal_mode_changes:
            self._mode_pinned = True
        return super().train(mode)

    def __call__(self, *args, **kwargs):
        if args:
            first = args[0]
        elif "inputs" in kwargs:
            first = kwargs["inputs"]
        elif first_call_parameter(type(self)) in kwargs:
            # As Keras, the first argument of ``call`` may come by name: ``layer(x=a, y=b)``.
            args = (kwargs.pop(first_call_parameter(type(self))),)
            first = args[0]
        else:
            raise TypeError(
                f"Layer '{self.name}' was called without inputs: pass the first argument of "
                f"{type(self).__name__}.call() positionally or by its name.")
        if not isinstance(first, torch.Tensor) and _is_symbolic(first):
            return self._symbolic_call(*args, **kwargs)
        # As Keras's __call__, NumPy arrays anywhere among the arguments become tensors
        # (``mha(x, x, attention_mask=np_mask)``, ``lstm(x, initial_state=[h, c])``);
        # a lone tensor argument (the training loop's call) skips the check.
        if (len(args) > 1 or kwargs or not isinstance(first, torch.Tensor)) and (
                _has_array(first) or any(_has_array(a) for a in args[1:])
                or any(_has_array(v) for v in kwargs.values())):
            args, kwargs = self._arrays_to_tensors(args, kwargs)
            first = args[0] if args else kwargs["inputs"]
        if self._first_calls:
            # Until a call has gone through, weights created inside it (sublayers built
            # lazily) get this layer's scope in their path; later calls skip the scope.
            with self._open_name_scope():
                outputs = self._eager_call(first, args, kwargs)
            self._first_calls = False
            return outputs
        return self._eager_call(first, args, kwargs)

    def _arrays_to_tensors(self, args, kwargs):
        """NumPy arrays among the call arguments as torch tensors, as Keras's ``__call__`` converts them.

        Floating arrays take the layer's compute dtype (float64 data becomes
        float32 under the default policy), other numeric ones keep theirs,
        string arrays stay NumPy (the lookup layers take them); tensors go to
        the device of the layer's weights.
        """
        weight = next(self.parameters(), None)
        device = None if weight is None else weight.device
        floating = backend.torch_dtype(self.compute_dtype)

        def convert(x):
            if not isinstance(x, np.ndarray) or x.dtype.kind not in "biufc":
                return x  # strings stay NumPy, as fit keeps them, for the lookup layers
            # A copy, as Keras (TensorFlow) makes one: a call that updates its inputs in
            # place (`inputs -= K.mean(inputs, ...)`) must not write into the caller's array.
            t = torch.from_numpy(np.array(x, order="C"))
            if t.is_floating_point() and floating.is_floating_point:
                t = t.to(floating)
            return t if device is None else t.to(device)

        return tuple(tree.map_structure(convert, list(args))), tree.map_structure(convert, kwargs)

    def _eager_call(self, first, args, kwargs):
        # As Keras: check the input spec before building (so a bad first input
        # creates no weights of the wrong shape) and again after (build may
        # have tightened the spec).
        if self.input_spec is not None:
            check_input_spec(self, first)
        if not self.built:
            self._maybe_build(_shapes_of(first), (args, kwargs))
            if self.input_spec is not None:
                check_input_spec(self, first)
        cls = type(self)
        training = kwargs.get("training")
        state = call_context.STATE
        outer_training = state.training
        if training is None:
            if outer_training is not None:  # Keras: the enclosing call's value
                training = inherited = outer_training
            else:
                training, inherited = call_context.resolve_training(self, cls)
        else:
            training = inherited = bool(training)
        if _call_accepts(cls, "training"):
            kwargs["training"] = training
        elif "training" in kwargs:
            del kwargs["training"]
        if kwargs.get("mask") is not None:
            mask = kwargs["mask"]  # as Keras: an explicit mask is the one passed on
        else:
            mask = (getattr(first, "_keras_mask", None) if isinstance(first, torch.Tensor)
                    else _input_mask(first, args, kwargs))
            if mask is not None and _call_accepts(cls, "mask"):
                kwargs["mask"] = mask
        flip = training != self.training
        if flip:
            call_context.set_mode(self, training)
        state.training = inherited
        outermost = state.depth == 0
        pending = state.pending_loss_layers
        if outermost and pending:
            for layer in pending:
                layer._call_losses = []
            pending.clear()
        state.depth += 1
        try:
            if dtype_policies.MIXED_IN_USE[0]:
                outputs = autocast_utils.call_with_policy(self, first, args, kwargs)
            else:
                outputs = nn.Module.__call__(self, *args, **kwargs)
        finally:
            state.depth -= 1
            state.training = outer_training
            if flip:
                call_context.set_mode(self, not training)
        if self.activity_regularizer is not None:
            for out in tree.flatten(outputs):
                self.add_loss(self.activity_regularizer(out) / out.shape[0])
        if (mask is not None or _overrides(cls, "compute_mask")) and not self._mask_from_call:
            _attach_mask(outputs, self.compute_mask(first, mask))
        return outputs

    # ------------------------------------------------------------------ masking
    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the output, as Keras's ``compute_mask``.

        Masks travel on tensors as ``tensor._keras_mask`` (boolean, shape
        ``(batch, timesteps)``).  A layer receives its input's mask in ``call(...,
        mask=...)`` when ``call`` accepts one; by default it passes the mask on
        when ``supports_masking`` is true and drops it otherwise.
        """
        return previous_mask if self.supports_masking else None

    @_assignable
    def input_shape(self):
        """Shape of the layer's input, as declared (``input_shape=``) or first seen."""
        if self._batch_input_shape is not None:
            return self._batch_input_shape
        if self._build_shapes is not None:
            return self._build_shapes
        if self._inbound_nodes:
            return tree.map_structure(lambda t: t.shape, self.input)
        raise AttributeError(f"Layer '{self.name}' has no defined input shape yet: it is not built.")

    @_assignable
    def output_shape(self):
        """Shape of the layer's symbolic output (first call)."""
        return tree.map_structure(lambda t: t.shape, self.output)

    @_assignable
    def input_dim(self):
        """Size of the last input dimension of the first layer (Keras 2 ``input_dim``)."""
        return self.input_shape[-1]

    @_assignable
    def batch_size(self):
        """Fixed batch size declared for the input, or None."""
        shape = self._batch_input_shape
        return None if shape is None else shape[0]

    @property
    def dtype(self) -> str:
        """The variable dtype name, e.g. ``'float32'``."""
        return backend.dtype_name(self._dtype)

    @property
    def compute_dtype(self) -> str:
        """The computation dtype name (same as ``dtype`` unless a mixed policy is set)."""
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype name of the layer's weights (``"float32"`` under ``"mixed_float16"``)."""
        return self._dtype_policy.variable_dtype

    @property
    def dtype_policy(self):
        """The layer's :class:`keraton.mixed_precision.DTypePolicy` (Keras 3)."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        # As Keras 3: a quantized policy ("int8_from_float32") set on a built layer quantizes it.
        policy = dtype_policies.get(value)
        self._dtype_policy = policy
        self._dtype = backend.torch_dtype(policy.variable_dtype)
        mode = policy.quantization_mode
        if mode is not None and self.built and not getattr(self, "_is_quantized", False):
            from keraton.layers.core.quantization import quantize_for_policy

            quantize_for_policy(self, policy)

    @property
    def quantization_mode(self):
        """The quantization mode of the layer's policy (``"int8"``, ...), ``None`` when not quantized.

        As Keras 3, every layer has it; the quantizable layers (``Dense``, ``EinsumDense``,
        ``Embedding``) override it to read a per-path policy map.
        """
        return getattr(self._dtype_policy, "quantization_mode", None)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Return the constructor arguments as a JSON-friendly dict (Keras 3's layout).

        A user's layer class that does not override this method gets, as in Keras 3,
        the constructor arguments it was created with (when they are plain values),
        so that ``from_config`` and ``load_model`` can rebuild it.
        """
        config = {"name": self.name}
        auto_config = self.__dict__.get("_auto_config")
        if auto_config is not None and type(self).get_config is Layer.get_config:
            config.update(auto_config)
            if not init_takes_name(self):
                config.pop("name")
        config.update({
            "trainable": self.trainable,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": self._dtype_policy.name},
                "registered_name": None,
            },
        })
        # As Keras 3, a declared input_shape is not part of the layer config: a
        # Sequential model writes it as its InputLayer instead.
        if self.activity_regularizer is not None:
            from keraton.saving.serialization_lib import serialize_keras_object

            config["activity_regularizer"] = serialize_keras_object(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict):
        """Create a layer from ``get_config()``'s output."""
        return cls(**config)

    def get_build_config(self):
        """Keras 3's ``build_config``: the input shape the layer was built for."""
        shapes = self.__dict__.get("_build_shapes_dict")
        if shapes is not None and len(shapes) > 1:
            return {"shapes_dict": {k: _jsonable_shape(v) for k, v in shapes.items()}}
        if self._build_shapes is None:
            return None
        return {"input_shape": _jsonable_shape(self._build_shapes)}

    def build_from_config(self, config) -> None:
        """Build the layer from ``get_build_config()``'s output."""
        if not config or self.built:
            return
        if config.get("shapes_dict") is not None:
            shapes = {k: _tupled(v) for k, v in config["shapes_dict"].items()}
            self._build_shapes = _as_batch_shape(next(iter(shapes.values())))
            self._build_shapes_dict = shapes
            self.build(**shapes)
            self.built = True
            self._set_initial_weights()
        elif config.get("input_shape") is not None:
            self._maybe_build(_tupled(config["input_shape"]))

    def extra_repr(self) -> str:
        return f"name={self.name!r}"



def held_metrics(obj, skip=()) -> list:
    """The ``Metric`` objects held as attributes of ``obj`` (Keras's tracked ``_metrics``), but ``skip``."""
    from keraton.metrics import Metric

    return [v for v in vars(obj).values() if isinstance(v, Metric) and not any(v is o for o in skip)]


_OVERRIDES: dict = {}


def _overrides(cls, method: str) -> bool:
    key = (cls, method)
    if key not in _OVERRIDES:
        _OVERRIDES[key] = getattr(cls, method) is not getattr(Layer, method)
    return _OVERRIDES[key]


def _attach_mask(outputs, mask, tensor_type=torch.Tensor) -> None:
    """Put ``mask`` on the output tensor(s) as ``_keras_mask``.

    One mask goes on the first output (a recurrent layer's sequence among its
    states); a nest of masks is paired with the flattened outputs, as Keras's
    ``_set_mask_metadata`` zips them: an RNN's ``[sequence_mask, None, ...]``
    with ``return_state``, or the input masks ``[mask_x, mask_y]`` passed on by
    a layer called on a list (the output takes the first).
    """
    flat_outputs = tree.flatten(outputs)
    flat_masks = tree.flatten(mask) if isinstance(mask, (list, tuple, dict)) else [mask]
    for target, m in zip(flat_outputs, flat_masks):
        if not isinstance(target, tensor_type):
            continue
        if m is None:
            if getattr(target, "_keras_mask", None) is not None:
                target._keras_mask = None
        else:
            target._keras_mask = m
