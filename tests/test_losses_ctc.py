"""CTC loss (``keras.losses.ctc`` / ``CTC``) against real Keras 3."""

import numpy as np
import pytest
import torch

import keraton

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("labels", [
    [[1, 2, 0], [3, 0, 0]],
    [[1, 1, 2], [4, 3, 2]],   # repeated labels need a blank between them
    [[2, 0, 0], [0, 0, 0]],   # an empty label
])
def test_ctc_matches_keras(labels):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 7, 5)).astype("float32")
    y_true = np.array(labels, "int32")
    np.testing.assert_allclose(keraton.losses.ctc(y_true, logits).numpy(),
                               np.asarray(keras.losses.ctc(y_true, logits)), rtol=1e-5)
    np.testing.assert_allclose(float(keraton.losses.CTC()(y_true, logits)),
                               float(keras.losses.CTC()(y_true, logits)), rtol=1e-5)


def test_ctc_gradient_matches_keras():
    values = np.random.default_rng(1).normal(size=(2, 5, 4)).astype("float32")
    y_true = np.array([[1, 2], [3, 3]], "int32")
    grads = []
    for ctc in (keraton.losses.ctc, keras.losses.ctc):
        logits = torch.tensor(values, requires_grad=True)
        ctc(y_true, logits).sum().backward()
        grads.append(logits.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-6)
    assert np.abs(grads[0]).max() > 0.01


def test_ctc_by_name_config_and_bad_shapes():
    loss = keraton.losses.get("CTC")
    assert loss.get_config() == {"name": "ctc", "reduction": "sum_over_batch_size"}
    assert keraton.losses.get("ctc") is keraton.losses.ctc
    with pytest.raises(ValueError, match=r"y_pred of shape \(batch, time, num_classes\)"):
        keraton.losses.ctc(np.ones((2, 3)), np.ones((2, 3)))
