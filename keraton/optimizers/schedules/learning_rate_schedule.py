"""Keras 3's learning-rate schedules, computed with torch float32 ops as Keras computes them.

A schedule is a callable ``schedule(step) -> learning rate``; pass one as an
optimizer's ``learning_rate`` and the optimizer evaluates it once per step at
its current ``iterations``.
"""

from __future__ import annotations

import math

import torch

_F32 = torch.float32


def _f32(value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().to(_F32)
    return torch.tensor(float(value), dtype=_F32)


def _check_steps(schedule, name: str, value) -> None:
    if value <= 0:
        raise ValueError(
            f"{type(schedule).__name__}: argument `{name}` must be > 0. Received: {name}={value}"
        )


class LearningRateSchedule:
    """Base class of learning-rate schedules (Keras 3's ``LearningRateSchedule``).

    Subclasses implement ``__call__(step)`` and ``get_config()``;
    ``from_config`` calls the constructor with the config, as Keras.

    Example:

    >>> class Halving(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 0.1 * 0.5 ** (step // 10)
    ...     def get_config(self):
    ...         return {}
    >>> Halving()(20)
    0.025
    """

    _keras_module = "keras.optimizers.schedules"

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in "
            "order to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict):
        """Create the schedule from :meth:`get_config`'s output."""
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (Keras 3's ``ExponentialDecay``).

    With ``staircase=True`` the exponent is floored, so the rate drops in steps.

    Example:

    >>> s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> round(float(s(10)), 6)
    0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_steps(self, "decay_steps", decay_steps)

    def __call__(self, step):
        p = _f32(step) / _f32(self.decay_steps)
        if self.staircase:
            p = torch.floor(p)
        return _f32(self.initial_learning_rate) * torch.pow(_f32(self.decay_rate), p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (Keras 3's ``InverseTimeDecay``).

    Example:

    >>> s = InverseTimeDecay(0.1, decay_steps=1, decay_rate=1.0)
    >>> round(float(s(1)), 6)
    0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_steps(self, "decay_steps", decay_steps)

    def __call__(self, step):
        p = _f32(step) / _f32(self.decay_steps)
        if self.staircase:
            p = torch.floor(p)
        return _f32(self.initial_learning_rate) / (1.0 + _f32(self.decay_rate) * p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]`` (Keras 3's ``PiecewiseConstantDecay``).

    Example:

    >>> s = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    >>> [float(s(k)) for k in (10, 11, 21)]
    [1.0, 0.5, 0.10000000149011612]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of boundaries should be 1 less than the "
                f"length of values. Received: boundaries={boundaries} of length {len(boundaries)}, "
                f"and values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = float(step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return _f32(value)
        return _f32(self.values[-1])

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from ``initial_learning_rate`` to ``end_learning_rate`` (Keras 3's ``PolynomialDecay``).

    ``(initial - end) * (1 - step / decay_steps) ** power + end``, with the
    step clipped at ``decay_steps``; ``cycle=True`` restarts with a multiple of
    ``decay_steps`` instead.

    Example:

    >>> s = PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0)
    >>> round(float(s(5)), 6)
    0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_steps(self, "decay_steps", decay_steps)

    def __call__(self, step):
        initial = _f32(self.initial_learning_rate)
        end = _f32(self.end_learning_rate)
        step = _f32(step)
        decay_steps = _f32(self.decay_steps)
        if self.cycle:
            multiplier = torch.ones((), dtype=_F32) if float(step) == 0 else torch.ceil(step / decay_steps)
            decay_steps = decay_steps * multiplier
        else:
            step = torch.minimum(step, decay_steps)
        p = step / decay_steps
        return (initial - end) * torch.pow(1 - p, _f32(self.power)) + end

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power,
                "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay with optional linear warmup (Keras 3's ``CosineDecay``).

    Without ``warmup_target``: ``lr * ((1 - alpha) * 0.5 * (1 + cos(pi * t)) +
    alpha)`` with ``t = min(step, decay_steps) / decay_steps``.  With it, the
    rate first rises linearly from ``initial_learning_rate`` to
    ``warmup_target`` over ``warmup_steps``, then decays from ``warmup_target``.

    Example:

    >>> s = CosineDecay(0.1, decay_steps=10)
    >>> round(float(s(5)), 6)
    0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_steps(self, "decay_steps", decay_steps)

    def _decay(self, step, decay_steps, decay_from):
        cosine = 0.5 * (1.0 + torch.cos(torch.tensor(math.pi, dtype=_F32) * (step / decay_steps)))
        return decay_from * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        initial = _f32(self.initial_learning_rate)
        decay_steps = _f32(self.decay_steps)
        step = _f32(step)
        if self.warmup_target is None:
            return self._decay(torch.minimum(step, decay_steps), decay_steps, initial)
        target = _f32(self.warmup_target)
        warmup_steps = _f32(self.warmup_steps)
        step = torch.minimum(step, decay_steps + warmup_steps)
        if float(step) < float(warmup_steps):
            return (target - initial) * (step / warmup_steps) + initial
        return self._decay(step - warmup_steps, decay_steps, target)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts, SGDR (Keras 3's ``CosineDecayRestarts``).

    The first period lasts ``first_decay_steps``; each next one is ``t_mul``
    times longer and starts from ``m_mul`` times the previous peak.

    Example:

    >>> s = CosineDecayRestarts(0.1, first_decay_steps=10)
    >>> round(float(s(10)), 6)   # the first restart
    0.1
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_steps(self, "first_decay_steps", first_decay_steps)

    def __call__(self, step):
        initial = _f32(self.initial_learning_rate)
        alpha = _f32(self.alpha)
        t_mul = _f32(self._t_mul)
        fraction = _f32(step) / _f32(self.first_decay_steps)
        if float(t_mul) == 1.0:
            i_restart = torch.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = torch.floor(torch.log(1.0 - fraction * (1.0 - t_mul)) / torch.log(t_mul))
            sum_r = (1.0 - torch.pow(t_mul, i_restart)) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / torch.pow(t_mul, i_restart)
        m_fac = torch.pow(_f32(self._m_mul), i_restart)
        cosine = 0.5 * m_fac * (1.0 + torch.cos(torch.tensor(math.pi, dtype=_F32) * fraction))
        return initial * ((1 - alpha) * cosine + alpha)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}
