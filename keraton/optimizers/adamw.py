"""``AdamW``: Adam with decoupled weight decay, as ``keras.optimizers.AdamW``."""

from __future__ import annotations

from keraton.optimizers.adam import Adam


class AdamW(Adam):
    """Adam plus decoupled weight decay, exactly Keras 3's ``AdamW``.

    Identical to :class:`Adam` except that ``weight_decay`` defaults to 0.004
    and must be given: each step first does ``w *= 1 - weight_decay * lr``,
    then the Adam update.  (``torch.optim.AdamW`` decays the same way but
    places Adam's epsilon differently; Keras's placement is used.)

    Example:

    >>> opt = keraton.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.01)
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        """Create the optimizer; ``weight_decay=None`` is refused, as in Keras."""
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
            amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
            global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
