"""Battery cases for the attention layers.

The battery calls a layer on ONE tensor, but attention layers take a query and
a value.  Each case therefore uses a self-attention harness: a subclass with
the public class's name whose ``__call__`` passes the one tensor as query and
value, so every battery check (weights, shapes, symbolic call, gradients,
freezing, determinism) runs on the real layer's code.  The harness is a test
object and refuses ``from_config`` (``config_round_trip=False``); the real
layers' config and serialization round trips, argument errors and bad-input
errors are tested against Keras 3 in ``tests/layers/attention/``.
"""

from battery_cases import Case
from keraton import layers

_REASON = ("cannot be rebuilt: this is the battery's self-attention harness; the real layer's "
           "config round trip is tested in tests/layers/attention/")


def _self_attention_harness(base):
    """A subclass of ``base`` (same class name) called on one tensor as ``[x, x]``."""

    def __call__(self, inputs, **kwargs):
        return base.__call__(self, [inputs, inputs], **kwargs)

    def compute_output_shape(self, input_shape):
        if input_shape and isinstance(input_shape[0], (tuple, list)):
            return base.compute_output_shape(self, input_shape)
        return base.compute_output_shape(self, [input_shape, input_shape])

    def from_config(cls, config):
        raise ValueError(_REASON)

    return type(base.__name__, (base,), {
        "__doc__": f"``{base.__name__}`` called on one tensor as ``[x, x]`` (battery harness).",
        "__call__": __call__, "compute_output_shape": compute_output_shape,
        "from_config": classmethod(from_config),
    })


Attention = _self_attention_harness(layers.Attention)
AdditiveAttention = _self_attention_harness(layers.AdditiveAttention)


class MultiHeadAttention(layers.MultiHeadAttention):
    """``MultiHeadAttention`` called on one tensor as ``mha(x, x)`` (battery harness)."""

    def __call__(self, inputs, **kwargs):
        return super().__call__(inputs, inputs, **kwargs)

    @classmethod
    def from_config(cls, config):
        raise ValueError(_REASON)


class GroupQueryAttention(layers.GroupQueryAttention):
    """``GroupQueryAttention`` called on one tensor as ``gqa(x, x)`` (battery harness)."""

    def __call__(self, inputs, **kwargs):
        return super().__call__(inputs, inputs, **kwargs)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return super().compute_output_shape(query_shape, value_shape or query_shape, key_shape)

    @classmethod
    def from_config(cls, config):
        raise ValueError(_REASON)


CASES = [
    Case("group_query_attention", lambda: GroupQueryAttention(head_dim=3, num_query_heads=4,
                                                              num_key_value_heads=2),
         (2, 3, 4), n_trainable=8, config_round_trip=False, covers=("GroupedQueryAttention",)),
    Case("attention_dot", lambda: Attention(), (2, 3, 4), config_round_trip=False),
    # Attention's own weights (use_scale, score_mode="concat") are scalars, which the battery's
    # wrong-shape check cannot perturb (shape () + 1 is still ()); they are tested against Keras
    # in tests/layers/attention/test_attention.py.
    Case("attention_dropout", lambda: Attention(dropout=0.5, seed=1), (2, 3, 4),
         config_round_trip=False),
    Case("additive_attention", lambda: AdditiveAttention(), (2, 3, 4), n_trainable=1,
         config_round_trip=False),
    Case("additive_attention_no_scale", lambda: AdditiveAttention(use_scale=False), (2, 3, 4),
         config_round_trip=False),
    Case("multi_head_attention", lambda: MultiHeadAttention(num_heads=2, key_dim=3), (2, 3, 4),
         n_trainable=8, config_round_trip=False),
    Case("multi_head_attention_options",
         lambda: MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2, use_bias=False,
                                    output_shape=5, dropout=0.2, kernel_regularizer="l2"),
         (2, 3, 4), n_trainable=4, config_round_trip=False),
    Case("multi_head_attention_axes",
         lambda: MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(2,)), (2, 3, 4, 5),
         n_trainable=8, config_round_trip=False),
]
