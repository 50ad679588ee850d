"""A plain function given to ``compile(metrics=[fn])`` is logged under its snake-cased name.

Keras 3 (``compile_utils.get_metric`` -> ``naming.get_object_name``) names it
``to_snake_case(fn.__name__)``: keras.io's EDSR example's ``PSNR`` logs as
``psnr``/``val_psnr``; a string identifier keeps the string.
"""

import numpy as np

import keraton
from keraton import layers


def PSNR(y_true, y_pred):
    return -10.0 * keraton.ops.log(keraton.ops.mean(keraton.ops.square(y_true - y_pred))) / np.log(10.0)


def meanAbsDiff(y_true, y_pred):
    return keraton.ops.mean(keraton.ops.abs(y_true - y_pred))


def test_function_metric_names_are_snake_cased():
    model = keraton.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=[PSNR, meanAbsDiff, "mae"])
    x = np.ones((4, 3), "float32")
    history = model.fit(x, x[:, :1], validation_data=(x, x[:, :1]), epochs=1, verbose=0)
    # Keras 3.15: ['loss', 'mae', 'mean_abs_diff', 'psnr', 'val_loss', 'val_mae', ...]
    assert sorted(history.history) == ["loss", "mae", "mean_abs_diff", "psnr", "val_loss",
                                       "val_mae", "val_mean_abs_diff", "val_psnr"]
