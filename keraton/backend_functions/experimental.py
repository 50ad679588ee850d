"""``keras.backend.experimental``: tf.keras 2's switch for ``tf.random.Generator``.

In tf.keras 2.15 these functions choose whether Keras layers draw their random
numbers from ``tf.random.Generator`` objects (one per seeded layer) or from
TensorFlow's legacy stateful ops (the default: the flag starts ``False``).  keraton always draws from
torch (a seeded layer owns its own ``torch.Generator``, an unseeded one uses
torch's global generator, seeded by ``keras.utils.set_random_seed``), which is
the "generator" behaviour.  The flag is therefore kept and reported, so that
Keras 2 programs calling these functions run, but it changes no random draw.
"""

from __future__ import annotations

_USE_GENERATOR_FOR_RNG = False

__all__ = ["disable_tf_random_generator", "enable_tf_random_generator",
           "is_tf_random_generator_enabled"]


def is_tf_random_generator_enabled() -> bool:
    """Return the flag set by :func:`enable_tf_random_generator` (``False`` by default, as tf.keras 2.15)."""
    return _USE_GENERATOR_FOR_RNG


def enable_tf_random_generator() -> None:
    """Set the flag read by :func:`is_tf_random_generator_enabled`; keraton's draws are unchanged."""
    global _USE_GENERATOR_FOR_RNG
    _USE_GENERATOR_FOR_RNG = True


def disable_tf_random_generator() -> None:
    """Clear the flag read by :func:`is_tf_random_generator_enabled`; keraton's draws are unchanged."""
    global _USE_GENERATOR_FOR_RNG
    _USE_GENERATOR_FOR_RNG = False
