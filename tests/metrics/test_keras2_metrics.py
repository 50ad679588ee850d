"""``MeanRelativeError`` and ``MeanTensor`` against tf.keras 2.15 (fixture from
``tests/fixtures/make_tf2_keras2_names_fixtures.py``)."""

import json
import os

import numpy as np
import pytest
import torch

from keraton.metrics.keras2_metrics import MeanRelativeError, MeanTensor

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                       "tf2_keras2_names.npz")
DATA = np.load(FIXTURE)
CONFIGS = json.loads(str(DATA["configs"]))


@pytest.mark.parametrize("tag", ["vec", "scalar"])
def test_mean_relative_error(tag):
    normalizer = DATA["mre_norm"] if tag == "vec" else 2.0
    m = MeanRelativeError(normalizer=normalizer)
    m.update_state(DATA["mre_true"], torch.tensor(DATA["mre_pred"]))
    np.testing.assert_allclose(m.result().numpy(), DATA[f"mre_{tag}_1"], rtol=1e-6)
    m.update_state(DATA["mre_true"][:2], DATA["mre_pred"][:2] * 2, sample_weight=DATA["mre_sw"][:2])
    np.testing.assert_allclose(m.result().numpy(), DATA[f"mre_{tag}_2"], rtol=1e-6)
    config, expected = m.get_config(), dict(CONFIGS[f"mre_{tag}_config"])
    assert config.pop("name").startswith("mean_relative_error")  # unique names, as tf.keras 2
    expected.pop("name")
    assert config == expected
    again = MeanRelativeError.from_config(m.get_config())
    assert again.get_config() == m.get_config()


def test_mean_relative_error_bad_input():
    with pytest.raises(ValueError, match="normalizer"):
        MeanRelativeError(normalizer=None)
    with pytest.raises(ValueError, match="y_true"):
        MeanRelativeError(normalizer=1.0).update_state(np.ones((2, 3)), np.ones((2, 4)))


def test_mean_tensor_weighted():
    m = MeanTensor()
    for values, weight in zip(DATA["mt_values"], DATA["mt_sw"], strict=True):
        m.update_state(values, sample_weight=weight)
    np.testing.assert_allclose(m.result().numpy(), DATA["mt_weighted"], rtol=1e-6)
    assert m.get_config() == CONFIGS["mt_config"]
    assert [v.name for v in m.variables] == ["total", "count"]
    m.reset_state()
    assert not m.result().any()


def test_mean_tensor_fixed_shape():
    m = MeanTensor(shape=(2, 4), dtype="float64")
    np.testing.assert_array_equal(m.result().numpy(), DATA["mt_empty"])
    for values in DATA["mt_values"]:
        m.update_state(values)
    assert m.result().dtype == torch.float64
    np.testing.assert_allclose(m.result().numpy(), DATA["mt_plain"], rtol=1e-6)
    with pytest.raises(ValueError) as err:
        m.update_state(np.zeros((3,)))
    assert str(err.value) == CONFIGS["mt_shape_error"]


def test_mean_tensor_weight_not_broadcastable():
    with pytest.raises(ValueError, match="sample_weight"):
        MeanTensor().update_state(np.ones((2, 3)), sample_weight=np.ones((2, 2)))


def test_mean_tensor_result_before_update():
    m = MeanTensor()
    assert m.total is None and m.count is None
    with pytest.raises(ValueError, match="does not have any value yet"):
        m.result()
