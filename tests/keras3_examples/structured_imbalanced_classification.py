"""keras.io examples/structured_data/imbalanced_classification.py (Keras 3), synthetic fraud data.

Standardized features, a Sequential MLP, the confusion-matrix metrics
(``FalseNegatives``/``FalsePositives``/``TrueNegatives``/``TruePositives``,
``Precision``, ``Recall``) with custom names, ``class_weight`` computed from
the class counts, ``ModelCheckpoint("fraud_model_at_epoch_{epoch}.keras")``
and ``validation_data``; then the saved checkpoints are reloaded and evaluated.
Synthetic credit-card-shaped data (30 float features, ~5% positives).
"""

import os

import numpy as np
import keras

RESULTS = {}

"""
## First, vectorize the CSV data
"""

# harness: synthetic rows instead of creditcard.csv
rng = np.random.RandomState(0)
n_rows = 500
all_features = rng.normal(0, 1, size=(n_rows, 30)) * rng.uniform(0.5, 50, size=(30,))
all_targets = (rng.uniform(size=(n_rows, 1)) < 0.05).astype("int64")
all_features[all_targets[:, 0] == 1, :3] += 2.0

features = np.array(all_features, dtype="float32")
targets = np.array(all_targets, dtype="uint8")
print("features.shape:", features.shape)
print("targets.shape:", targets.shape)

"""
## Prepare a validation set
"""

num_val_samples = int(len(features) * 0.2)
train_features = features[:-num_val_samples]
train_targets = targets[:-num_val_samples]
val_features = features[-num_val_samples:]
val_targets = targets[-num_val_samples:]

print("Number of training samples:", len(train_features))
print("Number of validation samples:", len(val_features))

"""
## Analyze class imbalance in the targets
"""

counts = np.bincount(train_targets[:, 0])
print(
    "Number of positive samples in training data: {} ({:.2f}% of total)".format(
        counts[1], 100 * float(counts[1]) / len(train_targets)
    )
)

weight_for_0 = 1.0 / counts[0]
weight_for_1 = 1.0 / counts[1]
RESULTS["counts"] = counts

"""
## Normalize the data using training set statistics
"""

mean = np.mean(train_features, axis=0)
train_features -= mean
val_features -= mean
std = np.std(train_features, axis=0)
train_features /= std
val_features /= std

"""
## Build a binary classification model
"""

model = keras.Sequential(
    [
        keras.Input(shape=train_features.shape[1:]),
        keras.layers.Dense(64, activation="relu"),  # harness: 256 units in the original
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dropout(0.0),  # harness: 0.3 (randomness would reach the results)
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dropout(0.0),  # harness: 0.3
        keras.layers.Dense(1, activation="sigmoid"),
    ]
)
summary_lines = []
model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))  # harness: print_fn
RESULTS["summary_mentions_params"] = int(any("Total params" in line for line in summary_lines))
RESULTS["count_params"] = model.count_params()
rs = np.random.RandomState(1)  # harness: equal initial weights
model.set_weights([rs.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])  # harness:

"""
## Train the model with `class_weight` argument
"""

metrics = [
    keras.metrics.FalseNegatives(name="fn"),
    keras.metrics.FalsePositives(name="fp"),
    keras.metrics.TrueNegatives(name="tn"),
    keras.metrics.TruePositives(name="tp"),
    keras.metrics.Precision(name="precision"),
    keras.metrics.Recall(name="recall"),
]

model.compile(
    optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=metrics
)

callbacks = [keras.callbacks.ModelCheckpoint("fraud_model_at_epoch_{epoch}.keras")]
class_weight = {0: weight_for_0, 1: weight_for_1}

history = model.fit(
    train_features,
    train_targets,
    batch_size=128,  # harness: 2048
    epochs=3,  # harness: 30
    verbose=0,  # harness: 2
    callbacks=callbacks,
    validation_data=(val_features, val_targets),
    class_weight=class_weight,
    shuffle=False,  # harness:
)
RESULTS["history_keys"] = sorted(history.history)
# harness: Keras 3.15 (torch) returns the count metrics' variables themselves as their training
# logs, so after the validation pass `history["fn"]` etc. hold the *validation* counts
# (fn == val_fn in every epoch); keraton records the training counts. Those four are left out.
for key in sorted(history.history):
    if key not in ("fn", "fp", "tn", "tp"):  # harness:
        RESULTS[f"hist_{key}"] = history.history[key]

RESULTS["checkpoints"] = sorted(f for f in os.listdir(".") if f.startswith("fraud_model_at_epoch_"))
restored = keras.models.load_model("fraud_model_at_epoch_2.keras")
RESULTS["restored_eval"] = restored.evaluate(val_features, val_targets, verbose=0)
# harness: `restored.metrics` is ['loss', 'compile_metrics'] in Keras 3 (one container);
# keraton lists the compiled metrics one by one (Keras 2 style, by design), so not compared.
RESULTS["restored_metrics_first"] = restored.metrics[0].name  # harness:
RESULTS["eval_dict"] = [float(v) for k, v in sorted(model.evaluate(
    val_features, val_targets, verbose=0, return_dict=True).items())]
RESULTS["pred"] = model.predict(val_features[:5], verbose=0)
RTOL = 2e-4
