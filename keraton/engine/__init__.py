"""Keras 2's ``keras.engine`` module paths: ``Layer``, ``InputSpec``, ``Model``, ``Sequential``...

Keras 2 custom layers import their base class from here
(``from keras.engine.topology import Layer``, ``from keras.engine.base_layer
import InputSpec``, ``from keras.engine.training import Model``); each name is
keraton's own class.  Importing this package warns once that Keras 3 has
these names in ``keras`` / ``keras.layers`` / ``keras.models``.

Example:
    >>> from keraton.engine.topology import Layer   # Keras 2 spelling
    >>> Layer is keraton.layers.Layer
    True
"""

from keraton.layers.core.input_layer import Input, InputLayer
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.models.functional import Functional
from keraton.models.model import Model
from keraton.models.sequential import Sequential
from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["Functional", "Input", "InputLayer", "InputSpec", "Layer", "Model", "Sequential"]

warn_keras2_name("keras.engine", "`keras.layers.Layer`, `keras.layers.InputSpec`, `keras.Model` "
                 "and `keras.Sequential`")
