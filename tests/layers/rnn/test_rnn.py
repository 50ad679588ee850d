"""RNN with custom and stacked cells against real Keras 3; training an Embedding-LSTM model with fit."""

import numpy as np
import pytest
import torch
from rnn_oracle import compare, masked_batch, to_numpy

import keraton
from keraton import layers

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("options", [{}, {"return_sequences": True, "return_state": True},
                                     {"go_backwards": True, "return_sequences": True}])
def test_stacked_cells_match_keras(options):
    x = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")

    def cells(ns):
        return [ns.LSTMCell(3), ns.GRUCell(2), ns.SimpleRNNCell(3)]

    compare(keras.layers.RNN(cells(keras.layers), **options), layers.RNN(cells(layers), **options), x)
    compare(keras.layers.RNN(keras.layers.StackedRNNCells(cells(keras.layers)), **options),
            layers.RNN(layers.StackedRNNCells(cells(layers)), **options), x)


def test_stacked_cells_with_mask_match_keras():
    x, mask = masked_batch(layout="middle")
    compare(keras.layers.RNN([keras.layers.LSTMCell(3), keras.layers.GRUCell(2)], return_sequences=True),
            layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], return_sequences=True), x,
            keras_kwargs={"mask": mask}, our_kwargs={"mask": torch.as_tensor(mask)})


class MinimalCell(layers.Layer):
    """Keras's documented custom-cell example: h = x W + h_prev U."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent_kernel")

    def call(self, inputs, states):
        h = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return h, [h]


def test_custom_cell_by_hand():
    layer = layers.RNN(MinimalCell(1), return_sequences=True)
    layer(torch.zeros(1, 2, 1))
    layer.set_weights([np.array([[2.0]], "float32"), np.array([[3.0]], "float32")])
    # h1 = 2 * 1 = 2; h2 = 2 * 1 + 3 * 2 = 8
    torch.testing.assert_close(layer(torch.ones(1, 2, 1)), torch.tensor([[[2.0], [8.0]]]))


def test_rnn_config_matches_keras_and_round_trips():
    keras.backend.clear_session()
    k = keras.layers.RNN([keras.layers.LSTMCell(3), keras.layers.GRUCell(2)], return_state=True,
                         zero_output_for_mask=True, name="rnn")
    ours = layers.RNN([layers.LSTMCell(3, name="lstm_cell"), layers.GRUCell(2, name="gru_cell")],
                      return_state=True, zero_output_for_mask=True, name="rnn")
    want = k.get_config()
    want["cell"]["config"]["name"] = ours.cell.name  # StackedRNNCells' own auto name
    assert ours.get_config() == want
    clone = layers.RNN.from_config(ours.get_config())
    assert isinstance(clone.cell, layers.StackedRNNCells) and len(clone.cell.cells) == 2


def test_stateful_needs_a_fixed_batch_size():
    model_input = keraton.Input(shape=(4, 3))
    with pytest.raises(ValueError, match="stateful=True.*fixed batch size"):
        layers.LSTM(2, stateful=True, name="s")(model_input)
    layer = layers.LSTM(2, stateful=True, batch_input_shape=(2, 4, 3))
    out = layer(keraton.Input(shape=(4, 3)))
    assert out.shape == (None, 2) and layer.states[0].shape == (2, 2)
    with pytest.raises(ValueError, match="batch size 2.*batch of 3"):
        layer(torch.zeros(3, 4, 3))


def test_rnn_symbolic_return_state_shapes():
    out, h, c = layers.LSTM(5, return_sequences=True, return_state=True)(keraton.Input(shape=(7, 3)))
    assert out.shape == (None, 7, 5) and h.shape == (None, 5) and c.shape == (None, 5)


@pytest.mark.parametrize("kind,mask_zero,left_pad", [
    ("LSTM", True, True),  # mixed padding: Keras's step loop
    ("LSTM", True, False),  # right padding only: fused kernel on packed sequences
    ("LSTM", False, False),  # fused kernel
    ("GRU", True, False),
])
def test_embedding_rnn_fit_matches_keras_loss_history(kind, mask_zero, left_pad):
    rng = np.random.default_rng(0)
    x = rng.integers(1, 20, size=(48, 7))
    x[::3, 5:] = 0  # right padding, masked by mask_zero
    if left_pad:
        x[1::3, :2] = 0
    y = rng.integers(0, 2, size=(48, 1)).astype("float32")

    def build(ns, inputs):
        return [ns.Embedding(20, 8, mask_zero=mask_zero), getattr(ns, kind)(6),
                ns.Dense(1, activation="sigmoid")]

    keras.utils.set_random_seed(0)
    k_model = keras.Sequential([keras.Input((7,), dtype="int32")] + build(keras.layers, None))
    ours = keraton.Sequential([keraton.Input((7,), dtype="int32")] + build(layers, None))
    ours.set_weights(k_model.get_weights())
    for model, ns in ((k_model, keras), (ours, keraton)):
        model.compile(optimizer=ns.optimizers.Adam(0.01), loss="binary_crossentropy")
    want = k_model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history["loss"]
    got = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-4)
    for a, b in zip(ours.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(a, to_numpy(b), atol=1e-4)


def test_saved_recurrent_model_loads_in_keras_with_the_same_outputs(tmp_path):
    model = keraton.Sequential([
        keraton.Input((7,), dtype="int32"), layers.Embedding(20, 4, mask_zero=True),
        layers.Bidirectional(layers.GRU(3, return_sequences=True)), layers.LSTM(2), layers.Dense(1),
    ])
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    x = np.random.default_rng(0).integers(1, 20, size=(3, 7))
    x[0, 5:] = 0
    np.testing.assert_allclose(to_numpy(restored(x)), to_numpy(model(torch.as_tensor(x))), atol=1e-6)


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_compute_mask_with_return_state_gives_none_for_each_state(kind, return_sequences):
    mask = torch.tensor([[True, True, False], [True, False, False]])
    for ns in (layers, keras.layers):
        layer = getattr(ns, kind)(2, return_sequences=return_sequences, return_state=True)
        got = layer.compute_mask(None, mask)
        n_states = 2 if kind == "LSTM" else 1
        assert len(got) == 1 + n_states and got[1:] == [None] * n_states
        assert (got[0] is None) == (not return_sequences)


def test_state_outputs_carry_no_sequence_mask_into_a_loss():
    # The sequence mask used to be attached to the whole list of outputs, so the loss
    # of a Dense on the LSTM's state tried to use a list as its mask.
    def run(ns):
        inp = ns.Input((5,), dtype="int32")
        embedded = ns.layers.Embedding(10, 3, mask_zero=True)(inp)
        seq, h, _ = ns.layers.LSTM(4, return_sequences=True, return_state=True)(embedded)
        model = ns.Model(inp, [seq, ns.layers.Dense(1)(h)])
        rng = np.random.RandomState(0)
        model.set_weights([rng.normal(0, 0.3, w.shape).astype("float32")
                           for w in model.get_weights()])
        model.compile("sgd", ["mse", "mse"])
        x = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 0]])
        return model.evaluate(x, [np.ones((2, 5, 4)), np.ones((2, 1))], verbose=0)

    np.testing.assert_allclose(run(keraton), run(keras), rtol=1e-5)
