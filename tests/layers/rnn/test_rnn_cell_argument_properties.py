"""``LSTM(...).units`` and the other cell arguments as properties of the layer, as Keras 3."""

import pytest

import keraton

keras = pytest.importorskip("keras")

COMMON = ["units", "use_bias", "dropout", "recurrent_dropout"]
EXTRA = {"LSTM": ["unit_forget_bias"], "GRU": ["reset_after"], "SimpleRNN": []}


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_cell_arguments_are_layer_properties(kind):
    kwargs = dict(dropout=0.25, recurrent_dropout=0.5, use_bias=False)
    ours = getattr(keraton.layers, kind)(7, **kwargs)
    theirs = getattr(keras.layers, kind)(7, **kwargs)
    for name in COMMON + EXTRA[kind]:
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.activation.__name__ == theirs.activation.__name__ == "tanh"
    assert type(ours.kernel_initializer).__name__ == type(theirs.kernel_initializer).__name__
    assert type(ours.recurrent_initializer).__name__ == type(theirs.recurrent_initializer).__name__


def test_bidirectional_forward_layer_units_after_from_config():
    layer = keraton.layers.Bidirectional(keraton.layers.LSTM(8))
    clone = keraton.layers.Bidirectional.from_config(layer.get_config())
    assert clone.forward_layer.units == clone.backward_layer.units == 8
