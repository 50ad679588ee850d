"""Weight regularization covers trainable weights only, as Keras 3's ``Layer.losses``.

keras.io's SimSiam and Barlow Twins examples train a linear classifier on a
frozen, l2-regularized backbone: Keras 3 adds no penalty for the frozen
weights, so neither ``model.losses`` nor the training loss holds one.
"""

import numpy as np
import pytest

import keraton


def _frozen_backbone_model():
    inputs = keraton.Input((3,))
    backbone = keraton.Sequential([
        keraton.Input((3,)),
        keraton.layers.Dense(2, kernel_regularizer=keraton.regularizers.l2(0.5), name="reg_dense"),
    ])
    outputs = keraton.layers.Dense(1, kernel_regularizer=keraton.regularizers.l2(0.1))(
        backbone(inputs))
    model = keraton.Model(inputs, outputs)
    model.set_weights([np.full(w.shape, 0.5, "float32") for w in model.get_weights()])
    return model, backbone


def test_frozen_layer_adds_no_regularization_loss():
    model, backbone = _frozen_backbone_model()
    assert len(model.losses) == 2
    backbone.trainable = False
    # Keras 3.15: one loss, the head's 0.1 * (2 * 0.25) = 0.05.
    assert len(model.losses) == 1
    assert float(model.losses[0]) == pytest.approx(0.05)


def test_fit_loss_leaves_out_frozen_penalty():
    model, backbone = _frozen_backbone_model()
    backbone.trainable = False
    model.compile(optimizer=keraton.optimizers.SGD(0.0), loss="mse")
    x = np.ones((2, 3), "float32")
    y = np.zeros((2, 1), "float32")
    history = model.fit(x, y, epochs=1, verbose=0, shuffle=False)
    # Keras 3.15 (torch): output 0.5 * (2 * 2.0) + 0.5 = 2.5, mse 6.25, plus the head's 0.05.
    assert history.history["loss"][0] == pytest.approx(6.3, rel=1e-6)


def test_stateless_call_losses_leave_out_frozen_penalty():
    model, backbone = _frozen_backbone_model()
    backbone.trainable = False
    x = np.ones((2, 3), "float32")
    _, _, losses = model.stateless_call(
        [v.value for v in model.trainable_variables],
        [v.value for v in model.non_trainable_variables], x, return_losses=True)
    assert len(losses) == 1 and float(losses[0]) == pytest.approx(0.05)
