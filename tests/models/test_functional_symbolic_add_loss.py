"""Keras 2's functional ``add_loss`` of a symbolic tensor (the variational autoencoder examples).

``vae.add_loss(K.mean(reconstruction_loss + kl_loss))`` built from the model's
Keras tensors joins the graph: each call recomputes it from that call's
inputs, and ``compile`` without a loss trains and evaluates on it.  The numbers
are those tf.keras 2.15 gives for the same model.
"""

import math

import numpy as np

import keraton
from keraton import backend as K
from keraton.losses import binary_crossentropy

X = np.array([[1.0, 0.0], [0.0, 1.0]], dtype="float32")


def _model():
    inputs = keraton.Input((2,))
    hidden = keraton.layers.Dense(1, kernel_initializer="ones", name="hidden")(inputs)
    outputs = keraton.layers.Dense(2, activation="sigmoid", kernel_initializer="zeros",
                                   name="decoder")(hidden)
    model = keraton.Model(inputs, outputs)
    reconstruction = binary_crossentropy(inputs, outputs)  # log 2 per sample (outputs are 0.5)
    penalty = K.sum(K.square(hidden), axis=-1)  # 1 per sample of X
    model.add_loss(K.mean(reconstruction + penalty))
    return model


def test_symbolic_loss_is_recomputed_on_each_call():
    model = _model()
    model(X)
    np.testing.assert_allclose(float(model.losses[0]), math.log(2.0) + 1.0, rtol=1e-6)
    model(3 * X)
    np.testing.assert_allclose(float(model.losses[0]), math.log(2.0) + 9.0, rtol=1e-6)


def test_compile_without_loss_trains_on_the_added_loss():
    model = _model()
    model.compile(optimizer=keraton.optimizers.SGD(0.0))
    history = model.fit(X, epochs=1, batch_size=2, verbose=0, validation_data=(X, None))
    np.testing.assert_allclose(history.history["loss"], [math.log(2.0) + 1.0], rtol=1e-6)
    np.testing.assert_allclose(history.history["val_loss"], [math.log(2.0) + 1.0], rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(X, verbose=0), math.log(2.0) + 1.0, rtol=1e-6)


def test_training_on_the_added_loss_moves_the_weights():
    model = _model()
    model.compile(optimizer=keraton.optimizers.SGD(0.1))
    model.fit(X, epochs=1, batch_size=2, verbose=0)
    # d(mean(h^2))/dw_i = mean(2 h x_i) = 1 with h = 1 for both samples: 1 - 0.1 * 1
    kernel = model.get_layer("hidden").get_weights()[0]
    np.testing.assert_allclose(kernel[:, 0], [0.9, 0.9], rtol=1e-6)
