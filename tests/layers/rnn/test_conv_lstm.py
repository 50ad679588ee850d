"""ConvLSTM1D/2D/3D against real Keras 3: outputs with copied weights, shapes, configs, files, training."""

import io
import zipfile

import numpy as np
import pytest
import torch
from rnn_oracle import compare, random_weights, to_numpy

import keraton
from keraton.layers.rnn.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D

keras = pytest.importorskip("keras")

OURS = {"ConvLSTM1D": ConvLSTM1D, "ConvLSTM2D": ConvLSTM2D, "ConvLSTM3D": ConvLSTM3D}

CASES = [
    ("ConvLSTM2D", {"filters": 3, "kernel_size": 3}, (2, 4, 6, 6, 2)),
    ("ConvLSTM2D", {"filters": 3, "kernel_size": (2, 3), "padding": "same", "return_sequences": True,
                    "return_state": True}, (2, 4, 5, 6, 2)),
    ("ConvLSTM2D", {"filters": 3, "kernel_size": 3, "strides": 2, "data_format": "channels_first",
                    "return_sequences": True}, (2, 4, 2, 7, 6)),
    ("ConvLSTM2D", {"filters": 3, "kernel_size": 2, "dilation_rate": 2, "padding": "same",
                    "go_backwards": True, "return_sequences": True}, (2, 4, 6, 6, 2)),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 3, "strides": (1, 2), "data_format": "channels_first",
                    "return_state": True, "go_backwards": True}, (2, 3, 3, 7, 8)),
    ("ConvLSTM2D", {"filters": 3, "kernel_size": 3, "use_bias": False, "activation": "relu",
                    "recurrent_activation": "hard_sigmoid", "unit_forget_bias": False}, (2, 4, 6, 6, 2)),
    ("ConvLSTM1D", {"filters": 3, "kernel_size": 3, "return_state": True}, (2, 4, 7, 2)),
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same",
                    "data_format": "channels_first", "return_sequences": True}, (2, 3, 2, 9)),
    ("ConvLSTM3D", {"filters": 2, "kernel_size": 2, "padding": "same", "return_sequences": True,
                    "data_format": "channels_first"}, (2, 3, 2, 4, 4, 3)),
    ("ConvLSTM3D", {"filters": 2, "kernel_size": (1, 2, 3), "return_state": True}, (2, 3, 3, 4, 5, 2)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES)
def test_conv_lstm_matches_keras(name, kwargs, shape):
    x = np.random.default_rng(1).normal(size=shape).astype("float32")
    theirs, ours = getattr(keras.layers, name)(**kwargs), OURS[name](**kwargs)
    compare(theirs, ours, x)
    symbolic = (None,) + shape[1:]
    assert ours.compute_output_shape(symbolic) == theirs.compute_output_shape(symbolic)
    assert ours.compute_output_shape(shape) == theirs.compute_output_shape(shape)
    mine, want = ours.get_config(), theirs.get_config()
    mine.pop("name"), want.pop("name")
    assert mine == want
    assert ours.cell.get_config() == theirs.cell.get_config()
    assert [w.path for w in ours.weights] == [w.path.replace(theirs.name, ours.name) for w in theirs.weights]


def test_config_with_every_argument_matches_keras():
    kwargs = dict(filters=4, kernel_size=(3, 1), strides=(2, 1), padding="SAME",
                  data_format="channels_first", activation="relu", recurrent_activation="tanh",
                  use_bias=False, kernel_initializer="he_normal", recurrent_initializer="zeros",
                  bias_initializer="ones", unit_forget_bias=False, kernel_regularizer="l2",
                  recurrent_regularizer="l2", bias_regularizer="l2", activity_regularizer="l2",
                  kernel_constraint="max_norm", recurrent_constraint="non_neg",
                  bias_constraint="unit_norm", dropout=0.25, recurrent_dropout=0.5, seed=7,
                  return_sequences=True, return_state=True, go_backwards=True, stateful=True,
                  unroll=True, zero_output_for_mask=True, name="c", trainable=False)
    ours, theirs = ConvLSTM2D(**kwargs), keras.layers.ConvLSTM2D(**kwargs)
    assert ours.get_config() == theirs.get_config()
    again = ConvLSTM2D.from_config(ours.get_config())
    assert again.get_config() == ours.get_config()
    assert (ours.filters, ours.strides, ours.padding, ours.dropout) == (4, (2, 1), "same", 0.25)


MASK_OPTIONS = [
    {},
    {"return_sequences": True},
    {"return_sequences": True, "go_backwards": True},
    {"return_state": True, "go_backwards": True},
    {"return_sequences": True, "zero_output_for_mask": True},
    {"return_sequences": True, "go_backwards": True, "zero_output_for_mask": True,
     "data_format": "channels_first"},
]


@pytest.mark.parametrize("options", MASK_OPTIONS)
def test_conv_lstm_masks_match_keras(options):
    x = np.random.default_rng(2).normal(size=(4, 6, 5, 5, 2)).astype("float32")
    if options.get("data_format") == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 1, 4, 2, 3))
    mask = np.ones((4, 6), bool)
    mask[1, 4:], mask[2, :3], mask[3, 2:4] = False, False, False  # right, left, middle
    compare(keras.layers.ConvLSTM2D(3, 3, **options), ConvLSTM2D(3, 3, **options), x,
            keras_kwargs={"mask": mask}, our_kwargs={"mask": torch.as_tensor(mask)})


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_lstm_initial_state_matches_keras(data_format):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 5, 6, 2) if data_format == "channels_last" else (2, 4, 2, 5, 6))
    x = x.astype("float32")
    state_shape = (2, 3, 4, 3) if data_format == "channels_last" else (2, 3, 3, 4)
    states = [rng.normal(size=state_shape).astype("float32") for _ in range(2)]
    kwargs = dict(filters=3, kernel_size=3, data_format=data_format, return_state=True)
    compare(keras.layers.ConvLSTM2D(**kwargs), ConvLSTM2D(**kwargs), x,
            keras_kwargs={"initial_state": states},
            our_kwargs={"initial_state": [torch.as_tensor(s) for s in states]})


def test_conv_lstm_dropout_matches_keras_given_the_same_masks():
    """Four input masks and four recurrent masks (one per gate), as Keras's ConvLSTMCell."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 5, 5, 2)).astype("float32")
    masks = {0.3: rng.uniform(0, 2, size=(4, 2, 5, 5, 2)).astype("float32"),
             0.4: rng.uniform(0, 2, size=(4, 2, 5, 5, 3)).astype("float32")}

    def keras_masks(step_input, rate):
        return [torch.as_tensor(m) for m in masks[rate]]

    def our_masks(step_input, rate):  # our cell draws masks on channels-first steps
        return torch.as_tensor(masks[rate]).movedim(-1, 2)

    kwargs = dict(filters=3, kernel_size=3, padding="same", dropout=0.3, recurrent_dropout=0.4,
                  return_sequences=True)
    theirs, ours = keras.layers.ConvLSTM2D(**kwargs), ConvLSTM2D(**kwargs)
    theirs.cell._create_dropout_mask = keras_masks
    ours.cell._create_dropout_mask = our_masks
    got = compare(theirs, ours, x, training=True)
    inference = to_numpy(ours(torch.as_tensor(x)))
    assert not np.allclose(got[0], inference, atol=1e-3)


def test_conv_lstm_dropout_is_seeded_and_only_in_training():
    x = torch.ones(2, 4, 5, 5, 2)
    outs = []
    for _ in range(2):
        layer = ConvLSTM2D(3, 3, dropout=0.5, recurrent_dropout=0.5, seed=3)
        layer(x)
        layer.set_weights([np.full(w.shape, 0.1, "float32") for w in layer.get_weights()])
        outs.append(layer(x, training=True))
    torch.testing.assert_close(outs[0], outs[1])
    assert not torch.allclose(outs[0], layer(x))


def test_conv_lstm_stateful_matches_keras():
    rng = np.random.default_rng(5)
    x1, x2 = (rng.normal(size=(2, 3, 4, 4, 2)).astype("float32") for _ in range(2))
    theirs = keras.layers.ConvLSTM2D(3, 3, padding="same", stateful=True)
    ours = ConvLSTM2D(3, 3, padding="same", stateful=True)
    k_model = keras.Sequential([keras.Input(batch_shape=(2, 3, 4, 4, 2)), theirs])
    o_model = keraton.Sequential([keraton.Input(batch_shape=(2, 3, 4, 4, 2)), ours])
    weights = random_weights(theirs, 5)
    theirs.set_weights(weights)
    ours.set_weights(weights)
    for x in (x1, x2, x2):
        np.testing.assert_allclose(to_numpy(o_model(torch.as_tensor(x))), to_numpy(k_model(x)),
                                   rtol=1e-5, atol=1e-5)
    ours.reset_state()
    theirs.reset_state()
    np.testing.assert_allclose(to_numpy(o_model(torch.as_tensor(x1))), to_numpy(k_model(x1)),
                               rtol=1e-5, atol=1e-5)


def test_weights_layout_and_unit_forget_bias():
    layer = ConvLSTM2D(4, (2, 3))
    layer(torch.zeros(1, 2, 5, 5, 3))
    assert [w.shape for w in layer.get_weights()] == [(2, 3, 3, 16), (2, 3, 4, 16), (16,)]
    assert tuple(layer.cell.kernel.shape) == (2, 3, 3, 16)  # Keras's shape
    np.testing.assert_array_equal(layer.get_weights()[2], np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    keras_layer = keras.layers.ConvLSTM2D(4, (2, 3))
    keras_layer(np.zeros((1, 2, 5, 5, 3), "float32"))
    np.testing.assert_array_equal(keras_layer.get_weights()[2], layer.get_weights()[2])
    new = [np.random.default_rng(6).normal(size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(new)
    for got, want in zip(layer.get_weights(), new):
        np.testing.assert_array_equal(got, want)


def _model(lib, cls):
    inputs = lib.Input((4, 6, 6, 2))
    h = cls(3, 3, padding="same", return_sequences=True)(inputs)
    h = cls(2, 3)(h)
    return lib.Model(inputs, lib.layers.Dense(1)(lib.layers.Flatten()(h)))


def test_functional_model_fits_and_round_trips_a_keras_file(tmp_path):
    model = _model(keraton, ConvLSTM2D)
    assert tuple(model.output_shape) == (None, 1)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(16, 4, 6, 6, 2)).astype("float32")
    y = x.mean(axis=(1, 2, 3, 4))[:, None].astype("float32")
    model.compile(optimizer=keraton.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0).history["loss"]
    assert history[-1] < history[0]
    path = str(tmp_path / "ours.keras")
    model.save(path)
    again = keraton.models.load_model(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    # compile=False: keraton writes the optimizer's slots of layout-converted weights
    # (conv kernels, this kernel) in torch's layout, which Keras refuses (a project-wide gap).
    back = keras.saving.load_model(path, compile=False)
    np.testing.assert_allclose(np.asarray(back.predict(x, verbose=0)), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


def test_keras_file_loads_in_keraton(tmp_path):
    theirs = _model(keras, keras.layers.ConvLSTM2D)
    rng = np.random.default_rng(8)
    theirs.set_weights([rng.normal(scale=0.3, size=w.shape).astype("float32") for w in theirs.get_weights()])
    path = str(tmp_path / "keras.keras")
    theirs.save(path)
    ours = keraton.saving.load_model(path)
    x = rng.normal(size=(3, 4, 6, 6, 2)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-5)
    ours.save(str(tmp_path / "again.keras"))
    assert _dataset_paths(str(tmp_path / "again.keras")) == _dataset_paths(path)


def _dataset_paths(path):
    h5py = pytest.importorskip("h5py")
    out = {}
    with h5py.File(io.BytesIO(zipfile.ZipFile(path).read("model.weights.h5")), "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj.shape)
                     if isinstance(obj, h5py.Dataset) else None)
    return out


def test_gradients_reach_every_weight_and_the_input():
    layer = ConvLSTM1D(2, 3, padding="same", return_sequences=True, dropout=0.2, recurrent_dropout=0.2)
    x = torch.randn(2, 3, 5, 2, requires_grad=True)
    layer(x, training=True).square().sum().backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0
    assert all(w.grad is not None and float(w.grad.abs().sum()) > 0 for w in layer.weights)


@pytest.mark.parametrize("make,shape,match", [
    (lambda: ConvLSTM2D(2, 3, name="my_clstm"), (2, 4, 6, 2), "my_clstm.*ndim=5"),
    (lambda: ConvLSTM2D(2, 3), (2, 4, 2, 2, 2), "too small"),
    (lambda: ConvLSTM2D(2, 3, strides=2, dilation_rate=2), None, "dilation_rate"),
    (lambda: ConvLSTM2D(0, 3), None, "filters"),
    (lambda: ConvLSTM2D(2, 3, padding="causal"), None, "padding"),
])
def test_bad_arguments_and_inputs_raise(make, shape, match):
    with pytest.raises(ValueError, match=match):
        make()(torch.zeros(shape))


def test_dynamic_spatial_dimensions_are_refused_as_in_keras():
    with pytest.raises(ValueError, match="static spatial"):
        ConvLSTM2D(2, 3)(keraton.Input((4, None, 6, 2)))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cell_step_api_matches_the_layer(data_format):
    """The cell's one-step ``call`` (Keras's cell API, used by a generic RNN) computes the layer's function."""
    from keraton.layers.rnn.conv_lstm import ConvLSTMCell

    x = torch.randn(2, 3, 2, 6, 5) if data_format == "channels_first" else torch.randn(2, 3, 6, 5, 2)
    layer = ConvLSTM2D(3, 3, padding="same", data_format=data_format, return_sequences=True)
    generic = keraton.layers.RNN(ConvLSTMCell(2, 3, 3, padding="same", data_format=data_format),
                                 return_sequences=True)
    layer(x), generic(x)
    generic.set_weights(random_weights(layer, 9))
    layer.set_weights(generic.get_weights())
    torch.testing.assert_close(generic(x), layer(x), rtol=1e-5, atol=1e-5)
