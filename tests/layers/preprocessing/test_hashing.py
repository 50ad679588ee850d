"""Hashing: bin numbers equal Keras's.

Keras 3's Hashing needs TensorFlow (not installed here); the expected bins are
the platform-independent values asserted by Keras's own ``hashing_test.py``,
and the hash functions are checked against published SipHash test vectors
and FarmHash ``Fingerprint64`` values (from Google's farmhash via pyfarmhash).
"""

import numpy as np
import pytest
import torch

from keraton import layers
from keraton.layers.preprocessing.hash_functions import fingerprint64, siphash24

WORDS = [["omar"], ["stringer"], ["marlo"], ["wire"], ["skywalker"]]


@pytest.mark.parametrize("kwargs, inputs, expected", [
    ({"num_bins": 3}, [["A"], ["B"], ["C"], ["D"], ["E"]], [[1], [0], [1], [1], [2]]),
    ({"num_bins": 2}, WORDS, [[0], [0], [1], [0], [0]]),
    ({"num_bins": 2}, ["omar", "stringer", "marlo", "wire", "skywalker"], [0, 0, 1, 0, 0]),
    ({"num_bins": 3, "mask_value": ""}, WORDS, [[1], [1], [2], [1], [1]]),
    ({"num_bins": 3, "mask_value": "omar"}, WORDS, [[0], [1], [2], [1], [1]]),
    ({"num_bins": 3}, np.array([[0], [1], [2], [3], [4]]), [[1], [0], [1], [0], [2]]),
    ({"num_bins": 3}, torch.tensor([0, 1, 2, 3, 4]), [1, 0, 1, 0, 2]),
    ({"num_bins": 2, "salt": [133, 137]}, WORDS, [[0], [1], [0], [1], [0]]),
    ({"num_bins": 2, "salt": [211, 137]}, WORDS, [[1], [0], [1], [0], [1]]),
    ({"num_bins": 3, "salt": [133, 137]}, np.array([[0], [1], [2], [3], [4]]), [[1], [1], [2], [0], [1]]),
    ({"num_bins": 1}, WORDS, [[0]] * 5),
    ({"num_bins": 2}, [[[1], [2]], [[2], [3]], [[3], [4]]], [[[1], [1]], [[1], [1]], [[1], [1]]]),
])
def test_hashing_bins_match_keras(kwargs, inputs, expected):
    out = layers.Hashing(**kwargs)(inputs)
    assert out.dtype == torch.int64
    assert out.tolist() == expected


@pytest.mark.parametrize("mode, expected", [
    ("one_hot", [[0, 1, 0], [1, 0, 0], [0, 1, 0]]),
    ("multi_hot", [[1, 1, 0]]),
    ("count", [[1, 2, 0]]),
])
def test_hashing_encodings(mode, expected):
    inputs = [["A"], ["B"], ["C"]] if mode == "one_hot" else [["A", "B", "C"]]
    out = layers.Hashing(num_bins=3, output_mode=mode)(inputs)
    np.testing.assert_array_equal(out.numpy(), np.array(expected, dtype="float32"))
    assert layers.Hashing(num_bins=3, output_mode=mode).compute_output_shape((None, 3)) == (None, 3)


def test_siphash_reference_vectors():
    key = (0x0706050403020100, 0x0F0E0D0C0B0A0908)
    assert siphash24(key, b"") == 0x726FDB47DD0E0E31
    assert siphash24(key, bytes(range(15))) == 0xA129CA6149BE45E5


@pytest.mark.parametrize("data, expected", [
    (b"", 11160318154034397263),
    (b"a", 12917804110809363939),
    (b"hello world", 6381520714923946011),
    (b"x" * 20, 8233088228747857348),
    (b"y" * 40, 276292113409495006),
    (b"The quick brown fox jumps over the lazy dog. " * 3, 18205891532897668313),
])
def test_fingerprint64_values(data, expected):
    assert fingerprint64(data) == expected


def test_fingerprint64_against_farmhash_package():
    farmhash = pytest.importorskip("farmhash")
    rng = np.random.default_rng(0)
    for n in [0, 3, 7, 8, 16, 17, 32, 33, 64, 65, 127, 128, 129, 300]:
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert fingerprint64(data) == farmhash.fingerprint64(data), n


def test_hashing_config_and_errors():
    layer = layers.Hashing(num_bins=4, salt=7, mask_value="")
    config = layer.get_config()
    assert {k: config[k] for k in ("num_bins", "salt", "mask_value", "output_mode", "sparse")} == \
        {"num_bins": 4, "salt": [7, 7], "mask_value": "", "output_mode": "int", "sparse": False}
    assert config["dtype"]["config"]["name"] == "int64"
    assert layers.Hashing.from_config(config)(["x", ""]).tolist() == layer(["x", ""]).tolist()
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="salt"):
        layers.Hashing(num_bins=2, salt="s")
    with pytest.raises(ValueError, match="dtype"):
        layers.Hashing(num_bins=2, dtype="float32")
