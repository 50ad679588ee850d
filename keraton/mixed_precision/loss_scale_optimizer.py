"""``LossScaleOptimizer``: dynamic loss scaling for float16 training, as Keras 3."""

from __future__ import annotations

import torch

from keraton.optimizers.base_optimizer import Optimizer
from keraton.optimizers.scalar_variable import ScalarVariable
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                  "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                  "loss_scale_factor": None, "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Wraps an optimizer and scales the loss so float16 gradients do not underflow (Keras 3).

    ``scale_loss(loss)`` multiplies the loss by ``dynamic_scale``; ``step`` /
    ``apply`` divide the gradients by it and, if they are all finite, apply
    the inner optimizer and count a good step: after ``dynamic_growth_steps``
    good steps in a row the scale doubles.  Non-finite gradients skip the
    update and halve the scale.  ``fit`` calls ``scale_loss`` before
    ``backward``.  Deciding to skip reads one boolean back from the device
    per step (free on CPU).

    Args:
        inner_optimizer: the keraton optimizer that updates the weights.
        initial_scale: the starting loss scale (``2 ** 15``).
        dynamic_growth_steps: finite steps before the scale doubles.

    Example:

    >>> opt = LossScaleOptimizer(keraton.optimizers.SGD(0.1), initial_scale=4.0)
    >>> w = torch.nn.Parameter(torch.ones(2)); opt.build([w])
    >>> w.grad = torch.full((2,), 4.0); opt.step()   # unscaled gradient: 1.0
    >>> w.detach().tolist()
    [0.8999999761581421, 0.8999999761581421]
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                "`loss_scale_factor` directly on the `inner_optimizer`."
            )
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Instead, set "
                                 f"`{arg}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: {sorted(kwargs)}.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(
                "LossScaleOptimizer expects a keraton optimizer as inner_optimizer, got "
                f"{type(inner_optimizer).__name__}."
            )
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        inner_optimizer._gradients_synchronized_by_wrapper = True  # averaged before the finite check
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None
        # Keras's counter is int32; ScalarVariable counts in int64 (same values when saved).
        self.step_counter = ScalarVariable(0, "int64", name="step_counter",
                                           path=self._path_of("step_counter"))
        self.dynamic_scale = ScalarVariable(float(initial_scale), "float32", name="dynamic_scale",
                                            path=self._path_of("dynamic_scale"))

    def build(self, var_list):
        """Build the inner optimizer for ``var_list``."""
        self.inner_optimizer.build(var_list)
        self._trainable_variables = self.inner_optimizer._trainable_variables
        self.built = True

    @property
    def variables(self):
        """Keras's order: own iteration and learning rate, step counter, scale, then the inner ones."""
        return [self._iterations, self._learning_rate, self.step_counter,
                self.dynamic_scale] + self.inner_optimizer.variables

    @property
    def learning_rate(self):
        """The inner optimizer's learning rate."""
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self):
        """The inner optimizer's ``iterations`` (skipped steps do not count)."""
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        """``loss * dynamic_scale``."""
        return loss * float(self.dynamic_scale)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of the variables (``torch.optim`` API)."""
        self.inner_optimizer.zero_grad(set_to_none=set_to_none)

    @torch.no_grad()
    def _apply_scaled(self, grads, variables) -> None:
        grads = self._synchronize_gradients(grads, variables)  # all ranks then agree on finiteness
        present = [(g, v) for g, v in zip(grads, variables) if g is not None]
        finite = all(bool(torch.isfinite(g).all()) for g, _ in present)
        if not finite:
            self.step_counter.assign(0)
            self.dynamic_scale.assign(float(self.dynamic_scale) * 0.5)
            return
        scale = float(self.dynamic_scale)
        self.inner_optimizer.apply([None if g is None else g / scale for g in grads], variables)
        if int(self.step_counter) == self.dynamic_growth_steps - 1:
            self.step_counter.assign(0)
            self.dynamic_scale.assign(scale * 2.0)
        else:
            self.step_counter.assign(int(self.step_counter) + 1)

    def step(self, closure=None):
        """Unscale ``p.grad`` of the built variables and apply them unless one is non-finite."""
        loss = self._begin_step(closure, check_built=False)
        variables = [v for v in self._trainable_variables if v.requires_grad]
        self._apply_scaled([v.grad for v in variables], variables)
        return loss

    def apply(self, grads, trainable_variables=None):
        """Keras API: unscale ``grads`` and apply them to ``trainable_variables`` if all finite."""
        variables = list(trainable_variables) if trainable_variables is not None else \
            self._trainable_variables
        if not self.built:
            self.build(variables)
        self._apply_scaled(list(grads), variables)

    def apply_gradients(self, grads_and_vars):
        """Keras API: ``apply`` from ``(gradient, variable)`` pairs."""
        grads, variables = zip(*list(grads_and_vars))
        self.apply(list(grads), list(variables))

    def finalize_variable_values(self, var_list):
        """Delegate to the inner optimizer (EMA weights)."""
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self) -> dict:
        """Keras 3's config: name, the serialized inner optimizer, scale settings."""
        return {"name": self.name, "inner_optimizer": serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuild from :meth:`get_config` (or Keras 3's) output."""
        from keraton import optimizers

        config = dict(config)
        inner = config.pop("inner_optimizer")
        inner = optimizers.deserialize(inner, custom_objects=custom_objects) if isinstance(
            inner, dict) else deserialize_keras_object(inner, custom_objects=custom_objects)
        return cls(inner, **config)
