"""Bidirectional against real Keras 3: every merge mode, states, masks, weights order, config."""

import numpy as np
import pytest
import torch
from rnn_oracle import compare, masked_batch

from keraton import layers

keras = pytest.importorskip("keras")

MERGE_MODES = ["concat", "sum", "mul", "ave", None]


@pytest.mark.parametrize("merge_mode", MERGE_MODES)
@pytest.mark.parametrize("kind,options", [
    ("LSTM", {}), ("LSTM", {"return_sequences": True}), ("GRU", {"return_sequences": True}),
    ("LSTM", {"return_state": True}), ("SimpleRNN", {"return_sequences": True, "return_state": True}),
])
def test_bidirectional_matches_keras(merge_mode, kind, options):
    x = np.random.default_rng(0).normal(size=(3, 5, 4)).astype("float32")
    compare(keras.layers.Bidirectional(getattr(keras.layers, kind)(3, **options), merge_mode=merge_mode),
            layers.Bidirectional(getattr(layers, kind)(3, **options), merge_mode=merge_mode), x)


@pytest.mark.parametrize("layout", ["right", "left", "middle"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_masks_match_keras(layout, return_sequences):
    x, mask = masked_batch(layout=layout)
    compare(keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=return_sequences)),
            layers.Bidirectional(layers.LSTM(3, return_sequences=return_sequences)), x,
            keras_kwargs={"mask": mask}, our_kwargs={"mask": torch.as_tensor(mask)})


def test_bidirectional_initial_state_and_backward_layer_match_keras():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    states = [rng.normal(size=(2, 3)).astype("float32") for _ in range(4)]
    k = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True),
                                   backward_layer=keras.layers.LSTM(3, return_sequences=True,
                                                                    go_backwards=True))
    ours = layers.Bidirectional(layers.LSTM(3, return_sequences=True),
                                backward_layer=layers.LSTM(3, return_sequences=True, go_backwards=True))
    compare(k, ours, x, keras_kwargs={"initial_state": states},
            our_kwargs={"initial_state": [torch.as_tensor(s) for s in states]})


def test_bidirectional_weights_order_and_names():
    keras.backend.clear_session()
    k = keras.layers.Bidirectional(keras.layers.GRU(3, name="g"))
    ours = layers.Bidirectional(layers.GRU(3, name="g"))
    x = np.zeros((2, 4, 5), "float32")
    k(x)
    ours(torch.as_tensor(x))
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in k.get_weights()]
    assert ours.forward_layer.name == "forward_g" and ours.backward_layer.name == "backward_g"
    assert ours.backward_layer.go_backwards and not ours.forward_layer.go_backwards
    # The wrapped layers' entries carry their build_config, as Keras's; keraton records the
    # batch dimension as None where Keras keeps the batch size of the first eager call.
    want = k.get_config()
    for key in ("layer", "backward_layer"):
        shape = want[key]["build_config"]["input_shape"]
        want[key]["build_config"] = {"input_shape": [None, *shape[1:]]}
    assert ours.get_config() == want


def test_bidirectional_config_round_trip_keeps_function():
    layer = layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode="sum")
    x = torch.randn(2, 4, 5)
    y = layer(x)
    clone = layers.Bidirectional.from_config(layer.get_config())
    clone(x)
    clone.set_weights(layer.get_weights())
    torch.testing.assert_close(clone(x), y)


@pytest.mark.parametrize("bad,match", [("max", "merge mode"), (None, None)])
def test_bidirectional_bad_arguments(bad, match):
    if match is None:
        with pytest.raises(ValueError, match="go_backwards"):
            layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
        return
    with pytest.raises(ValueError, match=match):
        layers.Bidirectional(layers.LSTM(2), merge_mode=bad)
