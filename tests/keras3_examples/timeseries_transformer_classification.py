"""keras.io examples/timeseries/timeseries_classification_transformer.py (synthetic FordA-shaped series)."""
import numpy as np
import keras
from keras import layers

# harness: synthetic univariate series instead of FordA_TRAIN.tsv / FordA_TEST.tsv
rng = np.random.RandomState(0)


def readucr(n):
    y = rng.choice([-1, 1], size=n)
    t = np.linspace(0, 4 * np.pi, 16)
    x = np.sin(t[None, :] * (1.5 + 0.5 * y[:, None])) + 0.3 * rng.normal(size=(n, 16))
    return x, y.astype(int)


x_train, y_train = readucr(40)
x_test, y_test = readucr(10)

x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))

n_classes = len(np.unique(y_train))

idx = np.random.RandomState(1).permutation(len(x_train))  # harness: np.random.permutation
x_train = x_train[idx]
y_train = y_train[idx]

y_train[y_train == -1] = 0
y_test[y_test == -1] = 0

"""
## Build the model
"""


def transformer_encoder(inputs, head_size, num_heads, ff_dim, dropout=0):
    # Attention and Normalization
    x = layers.MultiHeadAttention(
        key_dim=head_size, num_heads=num_heads, dropout=dropout
    )(inputs, inputs)
    x = layers.Dropout(dropout)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    res = x + inputs

    # Feed Forward Part
    x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
    x = layers.Dropout(dropout)(x)
    x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    return x + res


def build_model(
    input_shape,
    head_size,
    num_heads,
    ff_dim,
    num_transformer_blocks,
    mlp_units,
    dropout=0,
    mlp_dropout=0,
):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for _ in range(num_transformer_blocks):
        x = transformer_encoder(x, head_size, num_heads, ff_dim, dropout)

    x = layers.GlobalAveragePooling1D(data_format="channels_last")(x)
    for dim in mlp_units:
        x = layers.Dense(dim, activation="relu")(x)
        x = layers.Dropout(mlp_dropout)(x)
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


"""
## Train and evaluate
"""

input_shape = x_train.shape[1:]

model = build_model(
    input_shape,
    head_size=16,  # harness: 256 in the original
    num_heads=2,  # harness: 4 in the original
    ff_dim=4,
    num_transformer_blocks=2,  # harness: 4 in the original
    mlp_units=[16],  # harness: [128] in the original
    mlp_dropout=0.0,  # harness: 0.4 in the original
    dropout=0.0,  # harness: 0.25 in the original
)

model.compile(
    loss="sparse_categorical_crossentropy",
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),  # harness: 1e-4 in the original
    metrics=["sparse_categorical_accuracy"],
)
summary_lines = []
model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(2)
model.set_weights([seeded.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])

callbacks = [keras.callbacks.EarlyStopping(patience=1, restore_best_weights=True)]  # harness: 10

history = model.fit(
    x_train,
    y_train,
    validation_split=0.2,
    epochs=4,  # harness: 150 in the original
    batch_size=8,  # harness: 64 in the original
    callbacks=callbacks,
    shuffle=False,  # harness
)

score = model.evaluate(x_test, y_test, verbose=1)
model.save("transformer_ts.keras")
restored = keras.models.load_model("transformer_ts.keras")

RESULTS = {
    "params": model.count_params(),
    "n_layers": len(model.layers),
    "layer_classes": [type(layer).__name__ for layer in model.layers],
    "summary_mentions_params": int(any("Total params" in line for line in summary_lines)),
    "history_keys": sorted(history.history),
    "epochs_run": len(history.history["loss"]),
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
    "val_accuracy": history.history["val_sparse_categorical_accuracy"],
    "score": score,
    "predict": model.predict(x_test[:3], verbose=0),
    "restored_predict": restored.predict(x_test[:3], verbose=0),
    "mha_config": str(sorted((k, str(v)) for k, v in model.layers[1].get_config().items()
                             if k not in ("name",))),
}
