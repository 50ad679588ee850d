"""The STFT kernel initializer against real Keras 3's ``keras.initializers.STFT``."""

import numpy as np
import pytest
import torch

from keraton.initializers.stft import STFT, STFTInitializer, get_window, stft

keras = pytest.importorskip("keras")


def _keras(side, window, scaling, periodic, shape, dtype):
    init = keras.initializers.STFT(side, window, scaling, periodic)
    return keras.ops.convert_to_numpy(init(shape, dtype=dtype))


@pytest.mark.parametrize("side", ["real", "imag"])
@pytest.mark.parametrize("window", ["hann", "hamming", "blackman", "bartlett", "boxcar", None])
@pytest.mark.parametrize("scaling", ["density", "spectrum", None])
@pytest.mark.parametrize("periodic", [False, True])
def test_values_match_keras(side, window, scaling, periodic):
    shape = (24, 1, 17)
    got = STFT(side, window, scaling, periodic)(shape)
    assert got.dtype == torch.float32 and tuple(got.shape) == shape
    np.testing.assert_allclose(got.numpy(), _keras(side, window, scaling, periodic, shape, None),
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("shape", [(1, 1, 2), (7, 1, 4), (64, 1, 33), (50, 1, 129)])
def test_shapes_and_float64_match_keras(shape):
    got = STFT("imag", "hann", "density", True)(shape, dtype="float64")
    assert got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), _keras("imag", "hann", "density", True, shape,
                                                   "float64"), rtol=1e-12, atol=1e-14)


def test_scipy_window_and_array_window_match_keras():
    pytest.importorskip("scipy")
    shape = (16, 1, 9)
    np.testing.assert_allclose(STFT("real", "triang")(shape).numpy(),
                               _keras("real", "triang", "density", False, shape, None), atol=1e-7)
    window = np.random.default_rng(0).uniform(size=16)
    np.testing.assert_allclose(STFT("imag", window, "spectrum")(shape).numpy(),
                               _keras("imag", window, "spectrum", False, shape, None), atol=1e-7)


def test_get_window_matches_scipy():
    signal = pytest.importorskip("scipy.signal")
    for name in ["hann", "hamming", "blackman", "bartlett", "boxcar"]:
        for periodic in (False, True):
            np.testing.assert_allclose(get_window(name, 11, periodic).numpy(),
                                       signal.get_window(name, 11, periodic), atol=1e-15)


def test_config_and_aliases():
    ours = STFT("imag", "hamming", "spectrum", True)
    theirs = keras.initializers.STFT("imag", "hamming", "spectrum", True)
    assert ours.get_config() == theirs.get_config()
    assert STFT().get_config() == keras.initializers.STFT().get_config()
    clone = STFT.from_config(ours.get_config())
    torch.testing.assert_close(clone((8, 1, 5)), ours((8, 1, 5)))
    assert STFTInitializer is STFT and stft is STFT


@pytest.mark.parametrize("kwargs", [{"side": "both"}, {"scaling": "l2"}, {"window": "no-such"}])
def test_bad_arguments_raise_value_error_as_keras(kwargs):
    with pytest.raises(ValueError):
        keras.initializers.STFT(**kwargs)
    with pytest.raises(ValueError):
        STFT(**kwargs)


def test_window_of_wrong_length_is_refused():
    with pytest.raises(ValueError, match="frame_length"):
        STFT(window=np.ones(5))((8, 1, 5))
