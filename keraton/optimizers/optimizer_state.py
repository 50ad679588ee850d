"""The state half of :class:`keraton.optimizers.Optimizer`: arguments, learning rate, variables.

``OptimizerState`` checks the constructor arguments shared by all Keras 3
optimizers, holds the learning rate (a number or a schedule) and the
iteration counter, creates the per-variable state ("slots") on ``build``, and
lists, saves and restores that state in Keras's order.  The update logic lives
in ``base_optimizer.Optimizer``; configs in ``optimizer_config``.
"""

from __future__ import annotations

import inspect
import re

import torch

from keraton import backend
from keraton.name_scopes import join_path, name_scope
from keraton.optimizers.optimizer_config import OptimizerConfig, check_number
from keraton.optimizers.scalar_variable import ScalarVariable
from keraton.variables import Variable


class OptimizerState(OptimizerConfig):
    """Arguments, learning rate, iteration counter and slot variables of an optimizer (Keras 3)."""

    def __init__(self, learning_rate=None, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        """Check and store the arguments shared by all optimizers (see the Keras 3 docs)."""
        if "lr" in kwargs:  # Keras 2 alias, which wins over the default as in Keras 2.
            learning_rate = kwargs.pop("lr")
        decay = kwargs.pop("decay", None)
        if kwargs:
            raise ValueError(
                f"Argument(s) not recognized by {type(self).__name__}: {sorted(kwargs)}. "
                f"Expected arguments: {sorted(self._accepted_arguments())}."
            )
        if learning_rate is None:
            raise TypeError(f"{type(self).__name__} needs a `learning_rate` (a float or a schedule).")
        self.name = name if name is not None else backend.unique_object_name(
            backend.to_snake_case(type(self).__name__))
        self.decay = check_number("decay", decay or 0.0)
        self.weight_decay = check_number("weight_decay", weight_decay, allow_none=True)
        self.clipnorm = check_number("clipnorm", clipnorm, allow_none=True)
        self.clipvalue = check_number("clipvalue", clipvalue, allow_none=True)
        self.global_clipnorm = check_number("global_clipnorm", global_clipnorm, allow_none=True)
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        self.use_ema = bool(use_ema)
        self.ema_momentum = check_number("ema_momentum", ema_momentum, high=1.0)
        if ema_overwrite_frequency is not None and (
                isinstance(ema_overwrite_frequency, bool) or not isinstance(ema_overwrite_frequency, int)
                or ema_overwrite_frequency < 1):
            raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                             f"Received: ema_overwrite_frequency={ema_overwrite_frequency!r}")
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = check_number("loss_scale_factor", loss_scale_factor, allow_none=True)
        if gradient_accumulation_steps is not None and (
                isinstance(gradient_accumulation_steps, bool)
                or not isinstance(gradient_accumulation_steps, int) or gradient_accumulation_steps < 2):
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2 or None. "
                             f"Received: gradient_accumulation_steps={gradient_accumulation_steps!r}")
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._iterations = ScalarVariable(0, dtype="int64", name="iteration",
                                          path=self._path_of("iteration"))
        self._learning_rate = None
        self._set_learning_rate(learning_rate)
        self._trainable_variables = []
        self._index = {}
        self._variables = []
        self._variable_names = []
        self._model_variables_moving_average = []
        self._accumulated_gradients = []
        self._overwrite_indices = []
        self._constrained_indices = []
        self._exclude_ids, self._exclude_pattern, self._decay_mask = set(), None, None

    # ----------------------------------------------------------------- learning rate
    def _set_learning_rate(self, value):
        if callable(value) and not isinstance(value, ScalarVariable):
            self._learning_rate = value
            self._lr_takes_step = _takes_argument(value)
            return
        value = check_number("learning_rate", value)
        if isinstance(self._learning_rate, ScalarVariable):
            self._learning_rate.assign(value)
        elif self._learning_rate is not None and self._lr_takes_step:
            raise TypeError(
                "This optimizer was created with a learning rate schedule, hence its learning rate "
                "is not settable to a number. Create the optimizer with a float learning_rate "
                f"to change it during training. Received: learning_rate={value!r}"
            )
        else:
            self._learning_rate = ScalarVariable(value, "float32", name="learning_rate",
                                                 path=self._path_of("learning_rate"))

    @property
    def learning_rate(self):
        """The learning rate: a settable :class:`ScalarVariable`, or a schedule's current value.

        As in Keras 3, with a schedule this is the value for the current
        ``iterations`` (a tensor); the schedule itself is ``_learning_rate``.
        """
        if isinstance(self._learning_rate, ScalarVariable):
            return self._learning_rate
        value = self._scheduled_learning_rate()
        return value if isinstance(value, torch.Tensor) else torch.tensor(value, dtype=torch.float32)

    @learning_rate.setter
    def learning_rate(self, value):
        self._set_learning_rate(value)

    lr = learning_rate  # Keras 2 alias, readable and settable.

    def _scheduled_learning_rate(self):
        schedule = self._learning_rate
        value = schedule(self._iterations._value) if self._lr_takes_step else schedule()
        if isinstance(value, torch.Tensor):
            value = value.detach()
            return float(value) if value.device.type == "cpu" else value
        return float(value)

    def _current_learning_rate(self):
        """This step's learning rate: a float, or a 0-d tensor from a device-side schedule."""
        if isinstance(self._learning_rate, ScalarVariable):
            value = self._learning_rate._value
        else:
            value = self._scheduled_learning_rate()
        if self.decay:
            value = value / (1.0 + self.decay * self._iterations._value)
        return value

    @property
    def iterations(self):
        """Number of applied steps (``int()``/``numpy()``); counts updates under accumulation."""
        if self.gradient_accumulation_steps:
            return ScalarVariable(self._iterations._value // self.gradient_accumulation_steps,
                                  "int64", name=self._iterations.name)
        return self._iterations

    def _local_step(self) -> int:
        """1-based number of the update being applied (Keras's ``iterations + 1``)."""
        return int(self.iterations) + 1

    # ----------------------------------------------------------------- variables
    def build(self, var_list):
        """Create the optimizer state for ``var_list`` (``torch.nn.Parameter``s).

        Idempotent: building again with the same variables does nothing; new
        variables in a later list get fresh state (Keras would refuse them).
        """
        new = []
        for v in var_list:
            if id(v) not in self._index:
                self._index[id(v)] = len(self._trainable_variables)
                self._trainable_variables.append(v)
                new.append(v)
        if self.built and not new:
            return
        if self.use_ema:
            self._model_variables_moving_average += [
                self.add_variable_from_reference(v, "average", initializer=v) for v in new]
        if self.gradient_accumulation_steps:
            self._accumulated_gradients += self.add_optimizer_variables(new, "gradient_accumulator")
        self._overwrite_indices = [i for i, v in enumerate(self._trainable_variables)
                                   if getattr(v, "overwrite_with_gradient", False)]
        self._constrained_indices = [i for i, v in enumerate(self._trainable_variables)
                                     if variable_constraint(v) is not None]
        self._decay_mask = None
        self._build_slots(new)
        self.built = True

    def _build_slots(self, variables):
        """Create this optimizer's state for ``variables`` (overridden by each optimizer)."""

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None, device=None):
        """Create a state tensor and track it in :attr:`variables` (Keras API).

        ``initializer``: ``'zeros'``, ``'ones'``, a number, a tensor to copy or a
        callable ``initializer(shape, dtype=...)``.
        """
        dtype = backend.torch_dtype(dtype)
        if isinstance(initializer, torch.Tensor):
            value = initializer.detach().clone().to(device=device, dtype=dtype)
        elif callable(initializer):
            value = torch.as_tensor(initializer(tuple(shape), dtype=dtype), dtype=dtype, device=device)
        else:
            fill = {"zeros": 0.0, "ones": 1.0}.get(initializer, initializer)
            value = torch.full(tuple(shape), check_number("initializer", fill, low=None),
                               dtype=dtype, device=device)
        name = name or "variable"
        value = Variable._wrap(value, trainable=False, name=name, path=self._path_of(name))
        self._variables.append(value)
        self._variable_names.append(name)
        return value

    def _path_of(self, name: str) -> str:
        """Keras's path of an optimizer variable: ``"adam/dense_kernel_momentum"``."""
        with name_scope._for(self.name, self):
            return join_path(name)

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """Create a state tensor shaped like ``reference_variable``, on its device and dtype."""
        label = self._variable_label(reference_variable)
        variable = self.add_variable(reference_variable.shape, initializer, reference_variable.dtype,
                                     f"{label}_{name or 'var'}", reference_variable.device)
        if not reference_variable.is_contiguous():
            # A weight in torch's memory order (conv and RNN kernels): its slots get the same strides,
            # as torch.optim's state does, so fused kernels that walk memory line them up
            # element by element with the weight.
            strided = torch.empty_like(reference_variable, memory_format=torch.preserve_format)
            strided.copy_(variable)
            variable = self._variables[-1] = Variable._wrap(
                strided, trainable=False, name=variable.name, path=variable.path)
        return variable

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One state tensor per variable and per name, created in Keras's order.

        ``name`` a string: returns a list; a list of names: a tuple of lists.
        """
        names = [name] if isinstance(name, str) else list(name)
        out = [[] for _ in names]
        for v in trainable_variables:
            for k, n in enumerate(names):
                out[k].append(self.add_variable_from_reference(v, n, initializer))
        return out[0] if isinstance(name, str) else tuple(out)

    def _variable_label(self, variable) -> str:
        label = variable_path(variable) or f"variable_{self._index.get(id(variable), len(self._index))}"
        return label.replace("/", "_").replace(":", "_")

    def _get_variable_index(self, variable) -> int:
        """Index of ``variable`` in the built list (Keras API); unknown ones raise ``ValueError``."""
        try:
            return self._index[id(variable)]
        except KeyError:
            raise ValueError(
                f"Unknown variable {self._variable_label(variable)} of shape "
                f"{tuple(variable.shape)}: the optimizer was not built with it. Call "
                "optimizer.build(var_list) with all the variables to train."
            ) from None

    @staticmethod
    def _take(slots, indices):
        """The slots of the variables being updated (``indices`` None: all of them)."""
        return slots if indices is None else [slots[i] for i in indices]

    @property
    def variables(self):
        """Keras's optimizer variables, in Keras's order.

        ``iterations`` and the float learning rate come first as
        :class:`ScalarVariable` (``numpy()``, ``assign()``), then the state tensors.
        """
        head = [self._iterations]
        if isinstance(self._learning_rate, ScalarVariable):
            head.append(self._learning_rate)
        return head + self._variables

    # ----------------------------------------------------------------- weight decay
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables from weight decay: by object, or by a substring of their name (Keras)."""
        self._exclude_ids = {id(v) for v in var_list or []}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None
        self._decay_mask = None

    def _weight_decay_mask(self) -> list:
        if self._decay_mask is None:
            def use(v):
                names = [n for n in (variable_name(v), variable_path(v)) if n]
                return id(v) not in self._exclude_ids and not (
                    self._exclude_pattern and any(self._exclude_pattern.search(n) for n in names))
            self._decay_mask = [use(v) for v in self._trainable_variables]
        return self._decay_mask


def _takes_argument(fn) -> bool:
    """Whether a learning-rate callable is a schedule ``fn(step)`` rather than ``fn()``."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.VAR_POSITIONAL,) or (
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty) for p in params)


def variable_name(variable) -> str | None:
    """Keras's ``variable.name`` of a parameter (keraton layers set ``_keras_name``), or None."""
    for attr in ("_keras_name", "name"):
        name = getattr(variable, attr, None)
        if isinstance(name, str):
            return name
    return None


def variable_path(variable) -> str | None:
    """Keras's ``variable.path`` (``'dense/kernel'``) of a parameter, or None when unnamed."""
    path = getattr(variable, "path", None)
    if isinstance(path, str):
        return path
    name, layer = variable_name(variable), getattr(variable, "_keras_layer", None)
    return f"{layer}/{name}" if name and isinstance(layer, str) else name


def variable_constraint(variable):
    """The constraint attached to a parameter (``constraint`` or keraton's ``_keras_constraint``)."""
    constraint = getattr(variable, "constraint", None)
    return constraint if constraint is not None else getattr(variable, "_keras_constraint", None)
