"""AdaptiveAverage/MaxPooling 1D/2D/3D against real Keras 3, a NumPy reference and .keras files."""

import itertools
import math

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")

SHAPES = {1: (2, 9, 3), 2: (2, 9, 7, 3), 3: (2, 7, 6, 5, 2)}
SIZES = {1: [1, 4, 9, (5,), [12]], 2: [1, 3, (4, 2), [7, 9]], 3: [2, (3, 1, 5), [7, 6, 5]]}
CASES = [(mode, rank, size, fmt) for mode, rank, fmt in
         itertools.product(("Average", "Max"), (1, 2, 3), ("channels_last", "channels_first"))
         for size in SIZES[rank]]


def _reference(x, mode, out_size, channels_last):
    """Adaptive pooling by its definition: window i of n -> m is [floor(i*n/m), ceil((i+1)*n/m))."""
    x = np.asarray(x, np.float64)
    if channels_last:
        x = np.moveaxis(x, -1, 1)
    spatial = x.shape[2:]
    y = np.zeros(x.shape[:2] + tuple(out_size))
    for idx in itertools.product(*[range(m) for m in out_size]):
        window = tuple(slice(i * n // m, math.ceil((i + 1) * n / m))
                       for i, n, m in zip(idx, spatial, out_size))
        cells = x[(slice(None), slice(None)) + window].reshape(x.shape[0], x.shape[1], -1)
        y[(slice(None), slice(None)) + idx] = cells.max(-1) if mode == "Max" else cells.mean(-1)
    return np.moveaxis(y, 1, -1) if channels_last else y


@pytest.mark.parametrize("mode,rank,size,fmt", CASES)
def test_against_keras_and_reference(mode, rank, size, fmt):
    shape = SHAPES[rank]
    if fmt == "channels_first":
        shape = (shape[0], shape[-1]) + shape[1:-1]
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    name = f"Adaptive{mode}Pooling{rank}D"
    ours = getattr(layers, name)(size, data_format=fmt)
    theirs = getattr(keras.layers, name)(size, data_format=fmt)
    got = ours(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, keras.ops.convert_to_numpy(theirs(x)), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got, _reference(x, mode, ours.output_size, fmt == "channels_last"),
                               rtol=1e-5, atol=1e-6)
    assert ours.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))
    assert ours.compute_output_shape((None,) + shape[1:]) == (None,) + got.shape[1:]
    assert ours.get_config() | {"name": None} == theirs.get_config() | {"name": None}
    clone = layers.deserialize(keras.layers.serialize(theirs))
    assert type(clone) is type(ours) and clone.output_size == ours.output_size


@pytest.mark.parametrize("mode,rank", itertools.product(("Average", "Max"), (1, 2, 3)))
def test_gradients_match_finite_differences(mode, rank):
    layer = getattr(layers, f"Adaptive{mode}Pooling{rank}D")(3, dtype="float64")
    gen = torch.Generator().manual_seed(rank)
    x = torch.randn(SHAPES[rank][:1] + tuple(d - 2 for d in SHAPES[rank][1:-1]) + (2,),
                    dtype=torch.float64, generator=gen, requires_grad=True)
    assert torch.autograd.gradcheck(layer, (x,))


@pytest.mark.parametrize("rank,bad,error", [
    (1, (2, 3), ValueError), (1, "2", TypeError), (2, (1, 2, 3), TypeError), (2, 2.0, TypeError),
    (3, (1, 2), TypeError),
])
def test_refuses_output_size_as_keras(rank, bad, error):
    with pytest.raises(error):
        getattr(keras.layers, f"AdaptiveMaxPooling{rank}D")(bad)
    with pytest.raises(error, match="output_size"):
        getattr(layers, f"AdaptiveMaxPooling{rank}D")(bad)


def test_refuses_bad_data_format_and_rank():
    with pytest.raises(ValueError, match="data_format"):
        layers.AdaptiveAveragePooling2D(2, data_format="NHWC")
    with pytest.raises(ValueError, match="'pool'.*ndim=4"):
        layers.AdaptiveAveragePooling2D(2, name="pool")(torch.zeros(2, 5, 3))


def test_keras_file_both_ways(tmp_path):
    x = np.random.default_rng(0).normal(size=(2, 9, 7, 3)).astype("float32")
    theirs = keras.Sequential([keras.Input((9, 7, 3)), keras.layers.AdaptiveMaxPooling2D((4, 3)),
                               keras.layers.Conv2D(2, 2),
                               keras.layers.AdaptiveAveragePooling2D(
                                   1, data_format="channels_first")])
    want = keras.ops.convert_to_numpy(theirs(x))
    path = str(tmp_path / "adaptive.keras")
    theirs.save(path)
    ours = keraton.saving.load_model(path)
    np.testing.assert_allclose(ours(torch.from_numpy(x)).detach().numpy(), want, rtol=1e-5,
                               atol=1e-6)
    back = str(tmp_path / "back.keras")
    ours.save(back)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.saving.load_model(back)(x)), want,
                               rtol=1e-5, atol=1e-6)
