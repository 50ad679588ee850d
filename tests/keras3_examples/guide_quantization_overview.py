"""keras.io guide "Quantization in Keras" (guides/quantization_overview.py) and the
"8-bit integer quantization in Keras" recipe (examples/keras_recipes/int8_quantization).

A functional model of ``Dense``/``EinsumDense``/``Embedding`` layers quantized
in place with ``model.quantize("int8")`` / ``"int4"`` / ``"float8"``: the
layers' ``dtype_policy`` names and ``quantization_mode``, the new variables
(``kernel`` int8 plus ``kernel_scale``), outputs against the float model,
``count_params``, fine-tuning the int8 model with ``fit``, and the
``.keras`` / ``.weights.h5`` round trips. Small sizes, seeded weights.
"""

import numpy as np
import keras
from keras import layers, ops

RESULTS = {}

rng = np.random.RandomState(0)  # harness: np.random.default_rng() -> seeded RandomState


def build():
    token_ids = keras.Input(shape=(6,), dtype="int32")
    features = keras.Input(shape=(16,))
    e = layers.Embedding(40, 8)(token_ids)
    e = layers.EinsumDense("abc,cd->abd", output_shape=(None, 12), bias_axes="d")(e)
    e = layers.GlobalAveragePooling1D()(e)
    x = layers.Dense(12, activation="relu")(features)
    x = layers.Concatenate()([x, e])
    outputs = layers.Dense(3)(x)
    return keras.Model([token_ids, features], outputs)


def seeded(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])
    return model


x_ids = rng.randint(0, 40, size=(8, 6)).astype("int32")
x_feat = rng.normal(size=(8, 16)).astype("float32")
y = rng.normal(size=(8, 3)).astype("float32")

float_model = seeded(build(), 1)
y_float = ops.convert_to_numpy(float_model([x_ids, x_feat]))
RESULTS["float_params"] = float_model.count_params()
RESULTS["float_out"] = y_float[:3]

for mode in ["int8", "int4", "float8"]:
    model = seeded(build(), 1)
    # Quantize the model in place
    model.quantize(mode)
    y_q = ops.convert_to_numpy(model([x_ids, x_feat]))
    quantized = [layer for layer in model.layers if layer.dtype_policy.name != "float32"]
    RESULTS[f"{mode}_policies"] = [layer.dtype_policy.name for layer in quantized]
    RESULTS[f"{mode}_modes"] = [str(layer.quantization_mode) for layer in quantized]
    RESULTS[f"{mode}_max_abs_error"] = float(np.max(np.abs(y_q - y_float)))
    RESULTS[f"{mode}_out"] = y_q[:3]
    RESULTS[f"{mode}_weight_names"] = sorted(w.name for w in quantized[0].weights)

# The int8 model: variables, save/load, fine-tuning.
model = seeded(build(), 1)
model.quantize("int8")
dense = model.layers[-1]
# harness: ops.dtype for the name; keraton's variable.dtype is a torch.dtype
RESULTS["int8_kernel_dtype"] = ops.dtype(dense.kernel)
RESULTS["int8_kernel_values"] = ops.convert_to_numpy(dense.kernel)[:4, 0].astype("int64")
RESULTS["int8_kernel_scale"] = ops.convert_to_numpy(dense.kernel_scale)
RESULTS["int8_trainable_count"] = len(model.trainable_weights)
RESULTS["int8_non_trainable_count"] = len(model.non_trainable_weights)

model.save("int8_model.keras")
reloaded = keras.saving.load_model("int8_model.keras")
RESULTS["int8_reloaded_out"] = ops.convert_to_numpy(reloaded([x_ids, x_feat]))[:3]
RESULTS["int8_reloaded_policy"] = reloaded.layers[-1].dtype_policy.name

model.save_weights("int8_model.weights.h5")
fresh = build()
fresh.quantize("int8")
fresh.load_weights("int8_model.weights.h5")
RESULTS["int8_weights_reloaded_out"] = ops.convert_to_numpy(fresh([x_ids, x_feat]))[:3]

model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
h = model.fit([x_ids, x_feat], y, batch_size=4, epochs=2, shuffle=False, verbose=0)
RESULTS["int8_fit_loss"] = h.history["loss"]
RESULTS["int8_after_fit_out"] = ops.convert_to_numpy(model([x_ids, x_feat]))[:2]
RTOL, ATOL = 1e-4, 1e-5
