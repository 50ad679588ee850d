"""Keras 2's ``Recurrent`` / ``ConvRecurrent2D`` base classes and ``_time_distributed_dense``.

The oracle: a Keras-2.2-style Elman RNN written as a ``Recurrent`` subclass
(``MinimalRNN``) must give what keraton's ``SimpleRNN`` (and real Keras 3's)
gives with the same weights; the rest is checked by hand computations.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import keraton
from keraton import backend as K
from keraton.layers import InputSpec
from keraton.layers.rnn.legacy_recurrent import ConvRecurrent2D, Recurrent, _time_distributed_dense


class MinimalRNN(Recurrent):
    """An Elman RNN written as Keras 2.2 users wrote them."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        batch_size = input_shape[0] if self.stateful else None
        self.input_spec[0] = InputSpec(shape=(batch_size, None, input_shape[-1]))
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units))
        self.recurrent_kernel = self.add_weight((self.units, self.units), initializer="orthogonal",
                                                name="recurrent_kernel")
        self.bias = self.add_weight("bias", (self.units,), initializer="zeros")
        self.states = [None]
        if self.stateful:
            self.reset_states()
        self.built = True

    def step(self, inputs, states):
        h = K.tanh(K.dot(inputs, self.kernel) + K.dot(states[0], self.recurrent_kernel) + self.bias)
        return h, [h]

    def get_config(self):
        config = {"units": self.units}
        base_config = super().get_config()
        return dict(list(base_config.items()) + list(config.items()))


class ConstantRNN(MinimalRNN):
    """``h = tanh(x W + h U + b + c)`` with ``c = mean_t(x) @ V`` from ``get_constants``."""

    def build(self, input_shape):
        super().build(input_shape)
        self.v = self.add_weight(name="v", shape=(input_shape[-1], self.units))

    def get_constants(self, inputs, training=None):
        return [K.dot(K.mean(inputs, axis=1), self.v)]

    def step(self, inputs, states):
        h_prev, c = states
        h = K.tanh(K.dot(inputs, self.kernel) + K.dot(h_prev, self.recurrent_kernel) + self.bias + c)
        return h, [h]


class AutoConfigRNN(Recurrent):
    """No get_config: Keras 3's automatic config must carry ``units``."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.states = [None]

    def step(self, inputs, states):
        h = K.dot(inputs, self.kernel) + states[0]
        return h, [h]


class AttentionRNN(Recurrent):
    """The "AttentionDecoder" pattern: ``call(x)`` keeps the sequence and calls ``super().call``."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.return_sequences = True

    def build(self, input_shape):
        self.batch_size, self.timesteps, self.input_dim = input_shape
        self.U_a = self.add_weight(shape=(self.input_dim, self.units), name="U_a")
        self.b_a = self.add_weight(shape=(self.units,), name="b_a", initializer="zeros")
        self.W_s = self.add_weight(shape=(self.input_dim, self.units), name="W_s")
        self.W_h = self.add_weight(shape=(self.input_dim, self.units), name="W_h")
        self.states = [None]
        self.input_spec = [InputSpec(shape=(None, self.timesteps, self.input_dim))]
        self.built = True

    def call(self, x):
        self.x_seq = x
        self._uxpb = _time_distributed_dense(x, self.U_a, b=self.b_a, input_dim=self.input_dim,
                                             timesteps=self.timesteps, output_dim=self.units)
        return super().call(x)

    def get_initial_state(self, inputs):
        return [K.tanh(K.dot(inputs[:, 0], self.W_s))]

    def step(self, x, states):
        scores = K.sum(self._uxpb * K.expand_dims(states[0], 1), axis=-1)
        weights = K.softmax(scores)
        context = K.sum(self.x_seq * K.expand_dims(weights, -1), axis=1)
        h = K.tanh(K.dot(context + x, self.W_h))
        return h, [h]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


CUSTOM = {"MinimalRNN": MinimalRNN, "ConstantRNN": ConstantRNN, "AttentionRNN": AttentionRNN}


def _data(shape=(3, 5, 2), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _pair(units=4, x=None, **options):
    """A built MinimalRNN and a keraton SimpleRNN with the same random weights."""
    x = _data() if x is None else x
    ours, ref = MinimalRNN(units, **options), keraton.layers.SimpleRNN(units, **options)
    ours(x)
    ref(x)
    rng = np.random.default_rng(1)
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in ref.get_weights()]
    ours.set_weights(weights)
    ref.set_weights(weights)
    return ours, ref, weights


def _np(x):
    return [_np(t) for t in x] if isinstance(x, (list, tuple)) else x.detach().cpu().numpy()


def _assert_close(got, want, atol=1e-5):
    got, want = _np(got), _np(want)
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=atol)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=atol)


OPTIONS = [
    {},
    {"return_sequences": True},
    {"go_backwards": True},
    {"go_backwards": True, "return_sequences": True},
    {"unroll": True, "return_sequences": True},
    {"return_state": True},
    {"return_state": True, "return_sequences": True, "go_backwards": True},
]


@pytest.mark.parametrize("options", OPTIONS)
def test_matches_simple_rnn(options):
    x = _data()
    ours, ref, _ = _pair(**options)
    _assert_close(ours(x), ref(x))
    assert ours.compute_output_shape((None, 5, 2)) == (
        ref.compute_output_shape((None, 5, 2)) if not options.get("return_state")
        else [tuple(s) for s in ref.compute_output_shape((None, 5, 2))])


def test_matches_keras3_simple_rnn():
    keras = pytest.importorskip("keras")
    x = _data()
    ours, _, weights = _pair(return_sequences=True, go_backwards=True)
    theirs = keras.layers.SimpleRNN(4, return_sequences=True, go_backwards=True)
    theirs(x)
    theirs.set_weights(weights)
    np.testing.assert_allclose(_np(ours(x)), keras.ops.convert_to_numpy(theirs(x)), atol=1e-5)


@pytest.mark.parametrize("return_sequences", [False, True])
def test_masking_from_embedding_matches_simple_rnn(return_sequences):
    tokens = np.array([[3, 1, 4, 0, 0], [0, 2, 7, 1, 5], [6, 0, 0, 0, 0]])
    inp = keraton.Input(shape=(5,), dtype="int32")
    embedded = keraton.layers.Embedding(9, 2, mask_zero=True)(inp)
    ours, ref, _ = _pair(return_sequences=return_sequences, x=_data())
    model = keraton.Model(inp, [ours(embedded), ref(embedded)])
    got, want = model.predict(tokens, verbose=0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    emb = model.layers[1](torch.as_tensor(tokens))
    out = ours(emb)
    if return_sequences:
        np.testing.assert_array_equal(_np(out._keras_mask), tokens != 0)
        # As Keras 2's K.rnn: a masked step repeats the previous output (zeros before the first).
        np.testing.assert_array_equal(got[0, 3], got[0, 2])
        np.testing.assert_array_equal(got[1, 0], np.zeros(4))
    else:
        assert getattr(out, "_keras_mask", None) is None


def test_stateful_matches_simple_rnn_and_detaches_states():
    x1, x2 = _data((2, 5, 2), 1), _data((2, 5, 2), 2)
    ours, ref = MinimalRNN(4, stateful=True), keraton.layers.SimpleRNN(4, stateful=True)
    models = [keraton.Sequential([keraton.layers.InputLayer(batch_shape=(2, 5, 2)), layer])
              for layer in (ours, ref)]
    assert [s.shape for s in ours.states] == [(2, 4)]
    ours.set_weights(ref.get_weights())
    firsts = [m(torch.as_tensor(x1)) for m in models]
    _assert_close(*firsts)
    seconds = [m(torch.as_tensor(x2)) for m in models]
    _assert_close(*seconds)
    assert all(s.grad_fn is None and not s.requires_grad for s in ours.states)
    _assert_close(ours.states[0], ref.states[0])
    ours.reset_states()
    ref.reset_states()
    again = [m(torch.as_tensor(x2)) for m in models]
    _assert_close(*again)
    assert not np.allclose(_np(again[0]), _np(seconds[0]), atol=1e-3)
    # Given values (Keras 2's reset_states(states)) are the next initial states.
    h0 = _data((2, 4), 3)
    ours.reset_states(h0)
    _assert_close(ours(torch.as_tensor(x1)), ref(torch.as_tensor(x1), initial_state=[torch.as_tensor(h0)]))


def test_stateful_sequential_batch_input_shape_fit_predict_and_reload(tmp_path):
    model = keraton.Sequential([MinimalRNN(3, batch_input_shape=(2, 4, 2), stateful=True),
                                keraton.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = _data((4, 4, 2)), _data((4, 1))
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    layer = model.layers[0]
    assert layer.states[0].shape == (2, 3) and layer.states[0].grad_fn is None
    assert np.abs(_np(layer.states[0])).sum() > 0
    model.predict(x, batch_size=2, verbose=0)
    layer.reset_states()
    np.testing.assert_array_equal(_np(layer.states[0]), np.zeros((2, 3)))
    # The saved build shape has no batch size: the states wait for the first batch.
    model.save(tmp_path / "s.keras")
    loaded = keraton.models.load_model(tmp_path / "s.keras", custom_objects=CUSTOM)
    np.testing.assert_allclose(loaded.predict(x, batch_size=2, verbose=0),
                               model.predict(x, batch_size=2, verbose=0), atol=1e-6)
    _assert_close(loaded.layers[0].states[0], layer.states[0])


def test_initial_state_matches_simple_rnn():
    x, h0 = _data(), _data((3, 4), 5)
    ours, ref, _ = _pair(return_sequences=True, return_state=True)
    want = ref(x, initial_state=[torch.as_tensor(h0)])
    _assert_close(ours(x, initial_state=[h0]), want)
    _assert_close(ours(x, initial_state=torch.as_tensor(h0)), want)
    _assert_close(ours([torch.as_tensor(x), torch.as_tensor(h0)]), want)
    # Symbolically, as a keyword and as a list input.
    seq, state = keraton.Input(shape=(5, 2)), keraton.Input(shape=(4,))
    for outputs in (ours(seq, initial_state=[state]), ours([seq, state])):
        assert [tuple(t.shape) for t in outputs] == [(None, 5, 4), (None, 4)]
        got = keraton.Model([seq, state], outputs).predict([x, h0], verbose=0)
        _assert_close([torch.as_tensor(g) for g in got], want)


def test_get_constants_hand_computation():
    x = _data()
    layer = ConstantRNN(4, return_sequences=True)
    out = _np(layer(x))
    kernel, recurrent, bias, v = layer.get_weights()
    c = x.mean(axis=1) @ v
    h = np.zeros((3, 4), "float32")
    for t in range(5):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent + bias + c)
        np.testing.assert_allclose(out[:, t], h, rtol=1e-5, atol=1e-5)


def _sgd_model(layer, x):
    model = keraton.Sequential([keraton.Input(shape=x.shape[1:]), layer, keraton.layers.Dense(1)])
    model.compile(keraton.optimizers.SGD(0.1), "mse")
    return model


def test_training_step_matches_simple_rnn_and_loss_decreases():
    x, y = _data((4, 5, 2)), _data((4, 1), 7)
    ours, ref, _ = _pair(x=x)
    m_ours, m_ref = _sgd_model(ours, x), _sgd_model(ref, x)
    m_ours.layers[-1].set_weights(m_ref.layers[-1].get_weights())
    before = ours.get_weights()
    for model in (m_ours, m_ref):
        model.train_on_batch(x, y)
    for w_ours, w_ref, w0 in zip(ours.get_weights(), ref.get_weights(), before):
        assert np.abs(w_ours - w0).max() > 1e-4  # gradients reached every weight
        np.testing.assert_allclose(w_ours, w_ref, rtol=1e-4, atol=1e-6)
    history = m_ours.fit(x, y, epochs=5, batch_size=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_attention_decoder_pattern_trains_and_reloads(tmp_path):
    x, y = _data((4, 5, 3)), _data((4, 5, 2), 2)
    inp = keraton.Input(shape=(5, 3))
    model = keraton.Model(inp, keraton.layers.Dense(2)(AttentionRNN(4)(inp)))
    model.compile("adam", "mse")
    history = model.fit(x, y, epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "m.keras")
    loaded = keraton.models.load_model(tmp_path / "m.keras", custom_objects=CUSTOM)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_config_round_trip_save_and_h5_weights(tmp_path):
    layer = MinimalRNN(4, return_sequences=True, go_backwards=True, unroll=True, implementation=1,
                       name="m")
    config = layer.get_config()
    assert {k: config[k] for k in ("units", "return_sequences", "return_state", "go_backwards",
                                   "stateful", "unroll", "implementation")} == {
        "units": 4, "return_sequences": True, "return_state": False, "go_backwards": True,
        "stateful": False, "unroll": True, "implementation": 1}
    clone = keraton.layers.deserialize(keraton.layers.serialize(layer), custom_objects=CUSTOM)
    assert type(clone) is MinimalRNN and clone.get_config() == config
    auto = AutoConfigRNN(3, return_sequences=True)
    assert AutoConfigRNN.from_config(auto.get_config()).units == 3

    x = _data()
    model = keraton.Sequential([MinimalRNN(4, input_shape=(5, 2)), keraton.layers.Dense(1)])
    want = model.predict(x, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keraton.models.load_model(tmp_path / "m.keras", custom_objects=CUSTOM)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), want, atol=1e-6)
    model.save_weights(tmp_path / "w.h5")
    fresh = keraton.Sequential([MinimalRNN(4, input_shape=(5, 2)), keraton.layers.Dense(1)])
    fresh.load_weights(tmp_path / "w.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), want, atol=1e-6)


def test_keras2_input_dim_and_input_length():
    model = keraton.Sequential([MinimalRNN(4, input_dim=2, input_length=5, return_sequences=True)])
    assert tuple(model.output_shape) == (None, 5, 4)


def test_errors():
    x = _data()
    ours, _, _ = _pair()
    with pytest.raises(ValueError, match="Layer has 1 states but was passed 2 initial states"):
        ours(x, initial_state=[np.zeros((3, 4), "float32")] * 2)
    with pytest.raises(ValueError, match="Layer has 1 states but was passed 2 initial states"):
        ours(keraton.Input(shape=(5, 2)), initial_state=[keraton.Input(shape=(4,))] * 2)
    with pytest.raises(ValueError, match="Cannot unroll a RNN"):
        MinimalRNN(4, unroll=True)(keraton.Input(shape=(None, 2)))
    with pytest.raises(ValueError, match="Cannot unroll a RNN"):
        MinimalRNN(4, unroll=True)(_data((2, 1, 2)))
    with pytest.raises(AttributeError, match="Layer must be stateful"):
        ours.reset_states()
    with pytest.raises(ValueError, match="batch_input_shape"):
        MinimalRNN(4, stateful=True)(keraton.Input(shape=(5, 2)))
    stateful = MinimalRNN(4, stateful=True)
    stateful(x)
    with pytest.raises(ValueError, match=r"expected shape=\(3, 4\), found shape=\(2, 4\)"):
        stateful.reset_states(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="incompatible"):
        ours(_data((3, 5)))


def test_time_distributed_dense_hand_computation():
    x, w, b = _data((2, 3, 4)), _data((4, 5), 1), _data((5,), 2)
    got = _time_distributed_dense(torch.as_tensor(x), torch.as_tensor(w), torch.as_tensor(b),
                                  input_dim=4, output_dim=5, timesteps=3)
    np.testing.assert_allclose(_np(got), x @ w + b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_np(_time_distributed_dense(x, w)), x @ w, rtol=1e-5, atol=1e-5)
    # Dropout: one (batch, input_dim) mask shared by every step, in training only.
    ones = torch.ones(2, 3, 4)
    eye = torch.eye(4)
    dropped = _np(_time_distributed_dense(ones, eye, dropout=0.5, training=True))
    assert set(np.unique(dropped)) <= {0.0, 2.0}
    np.testing.assert_array_equal(dropped[:, 0], dropped[:, 1])
    np.testing.assert_array_equal(dropped[:, 0], dropped[:, 2])
    np.testing.assert_array_equal(_np(_time_distributed_dense(ones, eye, dropout=0.5)), _np(ones))


SHAPES = [
    # data_format, padding, strides, dilation, input shape, per-step output shape
    ("channels_last", "valid", (1, 1), (1, 1), (2, 4, 7, 6, 3), (5, 4, 8)),
    ("channels_last", "same", (2, 2), (1, 1), (2, 4, 7, 6, 3), (4, 3, 8)),
    ("channels_first", "valid", (1, 1), (2, 2), (2, 4, 3, 7, 6), (8, 3, 2)),
    ("channels_first", "same", (1, 2), (1, 1), (2, 4, 3, 7, 6), (8, 7, 3)),
]


class MinimalConvRNN(ConvRecurrent2D):
    """``h = tanh(conv(x, kernel) + conv(h, recurrent_kernel, "same"))`` on channels_last input."""

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=self.kernel_size + (input_shape[-1], self.filters),
                                      name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(3, 3, self.filters, self.filters),
                                                name="recurrent_kernel")
        self.states = [None]
        self.built = True

    def step(self, inputs, states):
        x = K.conv2d(inputs, self.kernel, self.strides, self.padding, self.data_format,
                     self.dilation_rate)
        h = K.conv2d(states[0], self.recurrent_kernel, padding="same", data_format=self.data_format)
        h = K.tanh(x + h)
        return h, [h]


@pytest.mark.parametrize("data_format,padding,strides,dilation,shape,step_shape", SHAPES)
def test_conv_recurrent_output_shapes(data_format, padding, strides, dilation, shape, step_shape):
    base = dict(filters=8, kernel_size=3, padding=padding, strides=strides, data_format=data_format,
                dilation_rate=dilation)
    assert ConvRecurrent2D(**base).compute_output_shape(shape) == (2,) + step_shape
    assert (ConvRecurrent2D(**base, return_sequences=True).compute_output_shape([shape])
            == (2, 4) + step_shape)
    with_states = ConvRecurrent2D(**base, return_state=True).compute_output_shape(shape)
    assert with_states == [(2,) + step_shape] * 3  # Keras 2.2: two states (ConvLSTM2D's)
    if data_format == "channels_last":
        layer = MinimalConvRNN(**base, return_sequences=True, return_state=True)
        outputs = layer(torch.as_tensor(_data(shape)))
        assert [tuple(t.shape) for t in outputs] == [(2, 4) + step_shape, (2,) + step_shape]
        symbolic = layer(keraton.Input(shape=shape[1:]))
        assert [tuple(t.shape) for t in symbolic] == [(None, 4) + step_shape, (None,) + step_shape]


def test_conv_recurrent_hand_computation_and_stateful():
    x = _data((2, 3, 5, 5, 2))
    layer = MinimalConvRNN(4, 3, padding="same", return_sequences=True)
    out = _np(layer(x))
    kernel, recurrent = (torch.as_tensor(w).permute(3, 2, 0, 1) for w in layer.get_weights())
    h = torch.zeros(2, 4, 5, 5)
    for t in range(3):
        step = torch.as_tensor(x[:, t]).permute(0, 3, 1, 2)
        h = torch.tanh(F.conv2d(step, kernel, padding=1) + F.conv2d(h, recurrent, padding=1))
        np.testing.assert_allclose(out[:, t], _np(h.permute(0, 2, 3, 1)), rtol=1e-4, atol=1e-5)
    stateful = MinimalConvRNN(4, 3, stateful=True)
    stateful(x)
    assert stateful.states[0].shape == (2, 3, 3, 4)
    stateful.reset_states()
    np.testing.assert_array_equal(_np(stateful.states[0]), np.zeros((2, 3, 3, 4)))


def test_conv_recurrent_config():
    layer = ConvRecurrent2D(6, (3, 2), strides=2, padding="SAME", data_format="channels_first",
                            dilation_rate=1, return_sequences=True, go_backwards=True,
                            return_state=True, name="c")
    config = layer.get_config()
    expected = {"filters": 6, "kernel_size": (3, 2), "strides": (2, 2), "padding": "same",
                "data_format": "channels_first", "dilation_rate": (1, 1),
                "return_sequences": True, "go_backwards": True, "stateful": False,
                "return_state": True, "unroll": False, "implementation": 0}
    assert {k: config[k] for k in expected} == expected
    assert ConvRecurrent2D.from_config(config).get_config() == config
    assert layer.input_spec[0].ndim == 5
    with pytest.raises(ValueError, match="padding"):
        ConvRecurrent2D(6, 3, padding="full")
