"""The classic Keras 2 example scripts run on keraton with only their imports changed.

Each program in ``tests/keras2_examples/`` (mnist_mlp, imdb_lstm, antirectifier,
variational_autoencoder...) was run with real Keras 2 (TensorFlow 2.15) by
``tests/fixtures/make_keras2_example_fixtures.py``; here the same source runs
on keraton and its ``RESULTS`` (summaries' parameter counts, predictions and
training histories from equal initial weights) must agree.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "keras2_examples"))
import harness  # noqa: E402


def test_to_keraton_changes_only_import_lines():
    source = ("import keras\nfrom keras.layers import Dense\nfrom keras import backend as K\n"
              "import keras.backend as KB\nx = keras.layers.Dense(1)  # keras stays\n")
    assert harness.to_keraton(source) == (
        "import keraton as keras\nfrom keraton.layers import Dense\nfrom keraton import backend as K\n"
        "import keraton.backend as KB\nx = keras.layers.Dense(1)  # keras stays\n")


@pytest.mark.parametrize("name", harness.programs())
def test_keras2_example_matches_keras2(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    expected = np.load(harness.FIXTURES / f"{name}.npz")
    namespace = harness.run(name, keraton=True)
    got = harness.as_arrays(namespace["RESULTS"])
    assert sorted(got) == sorted(expected.files)
    rtol, atol = namespace.get("RTOL", 1e-4), namespace.get("ATOL", 1e-5)
    for key in expected.files:
        if expected[key].dtype.kind in "USO":
            assert got[key].tolist() == expected[key].tolist(), key
        else:
            np.testing.assert_allclose(got[key], expected[key], rtol=rtol, atol=atol, err_msg=key)
