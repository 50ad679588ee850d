"""STFTSpectrogram against real Keras 3: outputs, shapes, configs, weights and errors."""

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.preprocessing.stft_spectrogram import STFTSpectrogram

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
AUDIO = RNG.normal(size=(2, 101, 3)).astype("float32")  # (batch, time, channels)


def _np(t):
    return keras.ops.convert_to_numpy(t)


def _audio(data_format):
    return AUDIO if data_format == "channels_last" else np.ascontiguousarray(AUDIO.transpose(0, 2, 1))


def _pair(**kwargs):
    # One explicit name for both (keras.backend.clear_session() would cost 0.4 s a test).
    return (STFTSpectrogram(name="spectrogram", **kwargs),
            keras.layers.STFTSpectrogram(name="spectrogram", **kwargs))


def _assert_same_outputs(ours, theirs, x, atol=1e-4):
    got, want = ours(torch.from_numpy(x)), _np(theirs(x))
    assert got.dtype == torch.float32 and tuple(got.shape) == want.shape
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-4, atol=atol)
    return got


@pytest.mark.parametrize("mode", ["log", "magnitude", "psd", "real", "imag", "angle", "stft"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("expand_dims", [False, True])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_outputs_match_keras(mode, padding, expand_dims, data_format):
    kwargs = dict(mode=mode, frame_length=30, frame_step=7, fft_length=32, padding=padding,
                  expand_dims=expand_dims, data_format=data_format)
    ours, theirs = _pair(**kwargs)
    x = _audio(data_format)
    # angle is arctan2 of two small numbers: a float32 rounding may move it a little more.
    got = _assert_same_outputs(ours, theirs, x, atol=1e-3 if mode == "angle" else 1e-4)
    assert tuple(ours.compute_output_shape(x.shape)) == tuple(theirs.compute_output_shape(x.shape))
    assert tuple(ours.compute_output_shape(x.shape)) == tuple(got.shape)
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize("kwargs", [
    {},
    {"frame_length": 40, "window": "hamming", "periodic": True},
    {"frame_length": 32, "frame_step": 32, "window": None, "scaling": None},
    {"frame_length": 20, "fft_length": 64, "scaling": "spectrum", "mode": "psd"},
    {"frame_length": 16, "window": "blackman", "mode": "magnitude", "padding": "same"},
])
def test_window_and_length_arguments_match_keras(kwargs):
    ours, theirs = _pair(**kwargs)
    x = RNG.normal(size=(2, 300, 2)).astype("float32")
    _assert_same_outputs(ours, theirs, x)
    assert ours.get_config() == theirs.get_config()
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("mode", ["log", "real", "imag", "stft"])
def test_weights_copied_across_give_equal_outputs(mode):
    ours, theirs = _pair(mode=mode, frame_length=16, frame_step=4, padding="same")
    x = AUDIO
    ours(torch.from_numpy(x))
    theirs(x)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    rng = np.random.default_rng(1)
    trained = [w + 0.1 * rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(trained)
    ours.set_weights(theirs.get_weights())
    _assert_same_outputs(ours, theirs, x)
    ours.set_weights([w * 2 for w in trained])
    theirs.set_weights(ours.get_weights())
    _assert_same_outputs(ours, theirs, x)


def test_default_frame_step_and_fft_length():
    layer = STFTSpectrogram(frame_length=100)
    assert layer._frame_step == 50 and layer._fft_length == 128
    assert layer.get_config()["frame_step"] is None and layer.get_config()["fft_length"] is None
    assert tuple(layer(torch.randn(1, 400, 1)).shape) == (1, 7, 65)


def test_trainable_kernels_and_freezing():
    layer = STFTSpectrogram(frame_length=16, frame_step=8)
    layer(torch.randn(2, 64, 1))
    assert [w.name for w in layer.trainable_weights] == ["real_kernel", "imag_kernel"]
    frozen = STFTSpectrogram(frame_length=16, frame_step=8, trainable=False)
    frozen(torch.randn(2, 64, 1))
    assert frozen.trainable_weights == [] and len(frozen.non_trainable_weights) == 2



@pytest.mark.parametrize("mode,names", [("real", ["real_kernel"]), ("imag", ["imag_kernel"]),
                                        ("angle", ["real_kernel", "imag_kernel"])])
def test_modes_create_only_the_kernels_they_use(mode, names):
    ours, theirs = _pair(mode=mode, frame_length=16)
    ours.build((None, 64, 1))
    theirs.build((None, 64, 1))
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights] == names


def test_symbolic_model_matches_eager():
    layer = STFTSpectrogram(frame_length=16, frame_step=8, expand_dims=True)
    inputs = keraton.Input((100, 2))
    outputs = layer(inputs)
    assert outputs.shape == (None, 11, 9, 2)
    model = keraton.Model(inputs, outputs)
    x = torch.randn(3, 100, 2)
    torch.testing.assert_close(model(x), layer(x))


@pytest.mark.parametrize("kwargs", [
    {"frame_step": 300}, {"frame_step": 0}, {"fft_length": 128}, {"mode": "power"},
    {"scaling": "l1"}, {"padding": "causal"}, {"window": "no-such-window"},
])
def test_bad_arguments_raise_value_error_as_keras(kwargs):
    with pytest.raises(ValueError):
        keras.layers.STFTSpectrogram(**kwargs)
    with pytest.raises(ValueError):
        STFTSpectrogram(**kwargs)


def test_non_power_of_two_fft_length_warns():
    with pytest.warns(UserWarning, match="power of two"):
        STFTSpectrogram(frame_length=10, fft_length=12)


def test_bad_inputs():
    layer = STFTSpectrogram(frame_length=16, frame_step=8)
    with pytest.raises(TypeError, match="float"):
        layer(torch.zeros(2, 64, 1, dtype=torch.int32))
    with pytest.raises(ValueError, match="ndim=3"):
        layer(torch.zeros(2, 64))
