"""Run ``MaxPooling(relu(conv(x)))`` as ``relu(MaxPooling(conv(x)))``: same numbers, less work.

ReLU is non-decreasing and applied element by element, so it commutes with a
max over any window: both orders give the same output bit for bit, and the
same gradient (where the window's maximum is positive both route it to the same
element; elsewhere ReLU's gradient is 0 either way).  Applied after the pool,
ReLU and its backward touch a quarter (2x2 pool) of the elements; on the
benchmark CNN the train step runs about 1.4x as fast on CPU.

The layers still mean what Keras says: the reordering happens only inside a
model's forward pass, where nobody can observe the convolution's own output:
no hooks that see the convolution's output or the pool's (nor global ones) and
no activity regularizer on the convolution.  ``model.layers[i].output`` in a functional model built
from the layers is computed by that model's own forward, unaffected.
"""

from __future__ import annotations

from torch.nn.modules import module as torch_module

from keraton import activations


def defers_relu(producer, consumer) -> bool:
    """True if ``producer`` is a convolution ending in plain ReLU and ``consumer`` a max pooling."""
    from keraton.layers.convolutional.base_conv import BaseConv
    from keraton.layers.pooling.base_pooling import BasePooling

    return (isinstance(producer, BaseConv) and getattr(producer, "_act", None) is activations.relu
            and isinstance(consumer, BasePooling) and consumer.pool_mode == "max")


def unobserved(producer, consumer) -> bool:
    """True if nothing outside the forward pass can see the producer's output right now."""
    return not (producer._forward_hooks or consumer._forward_pre_hooks or consumer._forward_hooks
                or producer.activity_regularizer is not None
                or torch_module._global_forward_hooks or torch_module._global_forward_pre_hooks)
