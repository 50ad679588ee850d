"""Two outputs of one nested model each log their own loss (a GAN critic on real and fake samples).

Both outputs are named after the nested model; Keras 3 logs one
``<name>_loss`` holding the last output's value for both, Keras 2 returned
each output's loss.  keraton names the repeats ``<name>_loss_1``, ... .
"""

import numpy as np

import keraton as keras


def _model():
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")],
                              name="critic")
    a, b, c = keras.Input((2,)), keras.Input((2,)), keras.Input((2,))
    model = keras.Model([a, b, c], [critic(a), critic(b), critic(c)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss=["mae", "mse", "mse"])
    return model


def test_each_output_logs_its_own_loss():
    model = _model()
    x = [np.full((2, 2), v, "float32") for v in (1.0, 2.0, 3.0)]  # outputs 2, 4, 6
    y = [np.zeros((2, 1), "float32")] * 3
    want = [2.0 + 16.0 + 36.0, 2.0, 16.0, 36.0]
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), want)
    np.testing.assert_allclose(model.train_on_batch(x, y), want)
    assert model.metrics_names == ["loss", "critic_loss", "critic_loss_1", "critic_loss_2"]
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y)).history
    assert history["critic_loss_2"] == [36.0] and history["val_critic_loss"] == [2.0]
