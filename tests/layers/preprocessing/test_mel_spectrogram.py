"""MelSpectrogram against real Keras 3: outputs, dtypes, shapes, configs and the mel matrix."""

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.preprocessing.mel_spectrogram import MelSpectrogram

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)

SMALL = dict(fft_length=256, sequence_stride=64, num_mel_bins=24, sampling_rate=8000)


def _pair(**kwargs):
    # One explicit name for both, so configs compare equal without clearing Keras's session.
    return MelSpectrogram(name="mel", **kwargs), keras.layers.MelSpectrogram(name="mel", **kwargs)


def _assert_same_outputs(ours, theirs, x, rtol=1e-5, atol=1e-4):
    got, want = ours(torch.from_numpy(x)), keras.ops.convert_to_numpy(theirs(x))
    assert tuple(got.shape) == want.shape
    assert keraton.backend.dtype_name(got.dtype) == keras.backend.standardize_dtype(want.dtype)
    np.testing.assert_allclose(got.numpy(), want, rtol=rtol, atol=atol)
    return got


@pytest.mark.parametrize("kwargs", [
    dict(fft_length=512, sequence_stride=128, num_mel_bins=40),
    SMALL,
    dict(fft_length=256, sequence_length=200, sequence_stride=100, window="hamming",
         power_to_db=False, mag_exp=1.0, num_mel_bins=20, min_freq=50.0, max_freq=3000.0),
    dict(fft_length=128, sequence_stride=32, window=None, top_db=20.0, ref_power=-3.0,
         min_power=1e-4, num_mel_bins=16),
    dict(fft_length=256, sequence_stride=50, mag_exp=1.5, ref_power=10.0, top_db=200.0,
         num_mel_bins=32, sampling_rate=22050, max_freq=8000),
])
@pytest.mark.parametrize("shape", [(1000,), (2, 1000), (2, 3, 700)])
def test_outputs_match_keras(kwargs, shape):
    ours, theirs = _pair(**kwargs)
    x = RNG.normal(size=shape).astype("float32")
    got = _assert_same_outputs(ours, theirs, x)
    assert tuple(got.shape) == tuple(ours.compute_output_shape(shape))
    assert ours.get_config() == theirs.get_config()


def test_window_array_matches_keras():
    window = RNG.uniform(size=200).astype("float32")
    ours, theirs = _pair(fft_length=256, sequence_length=200, sequence_stride=64, window=window)
    _assert_same_outputs(ours, theirs, RNG.normal(size=(2, 900)).astype("float32"))


@pytest.mark.parametrize("dtype", ["float64", "float16"])
def test_compute_dtypes_match_keras(dtype):
    ours, theirs = _pair(dtype=dtype, **SMALL)
    x = RNG.normal(size=(2, 1000))
    # float16 output: Keras and keraton round the same float32 values to half precision.
    _assert_same_outputs(ours, theirs, x, rtol=1e-3 if dtype == "float16" else 1e-7,
                         atol=0.02 if dtype == "float16" else 1e-9)


@pytest.mark.parametrize("mel_bins,spectrogram_bins,sampling_rate,lower_edge",
                         [(20, 129, 8000, 125.0), (64, 1025, 16000, 20.0), (10, 33, 44100, 0.0)])
def test_mel_weight_matrix_matches_keras(mel_bins, spectrogram_bins, sampling_rate, lower_edge):
    kwargs = dict(num_mel_bins=mel_bins, num_spectrogram_bins=spectrogram_bins,
                  sampling_rate=sampling_rate, lower_edge_hertz=lower_edge,
                  upper_edge_hertz=sampling_rate / 2)
    got = MelSpectrogram().linear_to_mel_weight_matrix(**kwargs)
    want = keras.layers.MelSpectrogram().linear_to_mel_weight_matrix(**kwargs)
    np.testing.assert_allclose(got.numpy(), keras.ops.convert_to_numpy(want), rtol=1e-6, atol=1e-7)
    assert tuple(got.shape) == (spectrogram_bins, mel_bins)
    torch.testing.assert_close(MelSpectrogram().linear_to_mel_weight_matrix(),
                               torch.as_tensor(keras.ops.convert_to_numpy(
                                   keras.layers.MelSpectrogram().linear_to_mel_weight_matrix())))


def test_default_config_and_round_trip():
    ours, theirs = _pair()
    assert ours.get_config() == theirs.get_config()
    clone = MelSpectrogram.from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()
    x = torch.randn(2, 4000)
    torch.testing.assert_close(clone(x), ours(x))


@pytest.mark.parametrize("samples", [1000, 1023, 64 * 15 - 1])
def test_output_shape_counts_the_centred_frames(samples):
    layer = MelSpectrogram(**SMALL)
    got = layer(torch.randn(2, samples))
    assert tuple(got.shape) == layer.compute_output_shape((2, samples)) == (2, 24, 1 + samples // 64)
    assert layer.compute_output_shape((None, None)) == (None, 24, None)


def test_symbolic_model_matches_eager():
    layer = MelSpectrogram(**SMALL)
    inputs = keraton.Input((1000,))
    outputs = layer(inputs)
    assert outputs.shape == (None, 24, 16)
    x = torch.randn(3, 1000)
    torch.testing.assert_close(keraton.Model(inputs, outputs)(x), layer(x))


def test_gradient_reaches_the_signal():
    x = torch.randn(2, 1000, requires_grad=True)
    MelSpectrogram(power_to_db=False, **SMALL)(x).sum().backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0


def test_sequence_length_over_fft_length_raises_as_keras():
    with pytest.raises(ValueError, match="sequence_length"):
        keras.layers.MelSpectrogram(fft_length=256, sequence_length=512)
    with pytest.raises(ValueError, match="sequence_length"):
        MelSpectrogram(fft_length=256, sequence_length=512)
