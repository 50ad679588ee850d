"""keras.io's Keras 3 examples and guides run on keraton with only their imports changed.

Each program in ``tests/keras3_examples/`` was run with real Keras 3 (torch
backend) by ``tests/fixtures/make_keras3_example_fixtures.py``; here the same
source runs on keraton and its ``RESULTS`` (parameter counts, predictions,
training histories from equal initial weights) must agree.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

import keraton

sys.path.insert(0, str(Path(__file__).resolve().parent / "keras3_examples"))
import keras3_harness  # noqa: E402


@pytest.mark.parametrize("name", keras3_harness.programs())
def test_keras3_example_matches_keras3(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    keraton.backend.clear_session()
    expected = np.load(keras3_harness.FIXTURES / f"{name}.npz")
    namespace = keras3_harness.run(name, keraton=True)
    got = keras3_harness.as_arrays(namespace["RESULTS"])
    assert sorted(got) == sorted(expected.files)
    rtol, atol = namespace.get("RTOL", 1e-4), namespace.get("ATOL", 1e-5)
    for key in expected.files:
        if expected[key].dtype.kind in "USO":
            assert got[key].tolist() == expected[key].tolist(), key
        else:
            np.testing.assert_allclose(got[key], expected[key], rtol=rtol, atol=atol, err_msg=key)
