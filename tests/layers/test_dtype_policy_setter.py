"""``layer.dtype_policy = ...`` as Keras 3: the policy changes, a quantized one quantizes a built layer."""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("policy", ["int8_from_float32", "float8_from_float32", "mixed_bfloat16"])
def test_setting_a_policy_matches_keras(policy):
    x = np.random.RandomState(0).rand(4, 3).astype("float32")
    results = []
    for lib in (keraton, keras):
        layer = lib.layers.Dense(2, kernel_initializer="ones", bias_initializer="ones")
        layer(x)
        layer.dtype_policy = policy
        out = keras.ops.convert_to_numpy(layer(x)).astype("float32")
        results.append((layer.dtype_policy.name, layer.compute_dtype, layer.quantization_mode,
                        [w.name for w in layer.weights], out))
    ours, theirs = results
    assert ours[:4] == theirs[:4]
    np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-2 if "bfloat16" in policy else 1e-6)


def test_a_layer_without_quantize_refuses_a_quantized_policy():
    layer = keraton.layers.Dropout(0.5)
    layer.build((None, 3))
    with pytest.raises(NotImplementedError, match="Dropout does not have a `quantize` method"):
        layer.dtype_policy = "int8_from_float32"
