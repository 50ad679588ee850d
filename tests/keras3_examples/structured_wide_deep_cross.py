"""keras.io examples/structured_data/wide_deep_cross_networks.py (Keras 3), synthetic covertype rows.

A dict of named ``Input``s (``shape=()``), categorical features encoded
one-hot (wide) or through ``Embedding`` (deep), ``ops.expand_dims`` on
symbolic inputs, ``layers.concatenate``, and the three models of the example:
baseline MLP, wide & deep, deep & cross (``x0 * x + cross`` on symbolic
tensors), each compiled with ``SparseCategoricalAccuracy`` and trained with
``fit`` on a dict of NumPy arrays. The example's ``StringLookup`` needs
TensorFlow in Keras 3, so the categorical inputs arrive as integer ids and
the one-hot path is ``CategoryEncoding`` (``# harness:``).
"""

import math

import numpy as np
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Prepare the data
"""

# harness: synthetic rows of the covertype dataset's columns instead of the CSV download
rng = np.random.RandomState(0)
n_train, n_test = 96, 32

CSV_HEADER = [
    "Elevation",
    "Aspect",
    "Slope",
    "Horizontal_Distance_To_Hydrology",
    "Vertical_Distance_To_Hydrology",
    "Horizontal_Distance_To_Roadways",
    "Hillshade_9am",
    "Hillshade_Noon",
    "Hillshade_3pm",
    "Horizontal_Distance_To_Fire_Points",
    "Wilderness_Area",
    "Soil_Type",
    "Cover_Type",
]

"""
## Define dataset metadata
"""

TARGET_FEATURE_NAME = "Cover_Type"

TARGET_FEATURE_LABELS = ["0", "1", "2", "3", "4", "5", "6"]

NUMERIC_FEATURE_NAMES = [
    "Aspect",
    "Elevation",
    "Hillshade_3pm",
    "Hillshade_9am",
    "Hillshade_Noon",
    "Horizontal_Distance_To_Fire_Points",
    "Horizontal_Distance_To_Hydrology",
    "Horizontal_Distance_To_Roadways",
    "Slope",
    "Vertical_Distance_To_Hydrology",
]

CATEGORICAL_FEATURES_WITH_VOCABULARY = {
    "Soil_Type": [f"soil_type_{i}" for i in range(1, 41)],  # harness: list(data["Soil_Type"].unique())
    "Wilderness_Area": [f"area_type_{i}" for i in range(1, 5)],  # harness:
}

CATEGORICAL_FEATURE_NAMES = list(CATEGORICAL_FEATURES_WITH_VOCABULARY.keys())

FEATURE_NAMES = NUMERIC_FEATURE_NAMES + CATEGORICAL_FEATURE_NAMES

NUM_CLASSES = len(TARGET_FEATURE_LABELS)


def make_rows(n):  # harness: a dict of arrays instead of make_csv_dataset batches
    features = {}
    for name in FEATURE_NAMES:
        if name in NUMERIC_FEATURE_NAMES:
            features[name] = rng.normal(0, 1, size=(n,)).astype("float32")
        else:
            vocab_size = len(CATEGORICAL_FEATURES_WITH_VOCABULARY[name])
            features[name] = rng.randint(0, vocab_size, size=(n,)).astype("int32")
    labels = rng.randint(0, NUM_CLASSES, size=(n,))
    return features, labels


train_x, train_y = make_rows(n_train)
test_x, test_y = make_rows(n_test)

"""
## Experiment setup
"""

learning_rate = 0.001
dropout_rate = 0.0  # harness: 0.1 in the original (randomness would reach the results)
batch_size = 32  # harness: 265 in the original
num_epochs = 2  # harness: 50 in the original

hidden_units = [32, 32]


def run_experiment(model):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )

    print("Start training the model...")
    history = model.fit(train_x, train_y, batch_size=batch_size, epochs=num_epochs,
                        shuffle=False, verbose=0)  # harness: arrays, shuffle, verbose
    print("Model training finished")

    _, accuracy = model.evaluate(test_x, test_y, batch_size=batch_size, verbose=0)

    print(f"Test accuracy: {round(accuracy * 100, 2)}%")
    return history, accuracy  # harness:


"""
## Create model inputs
"""


def create_model_inputs():
    inputs = {}
    for feature_name in FEATURE_NAMES:
        if feature_name in NUMERIC_FEATURE_NAMES:
            inputs[feature_name] = layers.Input(
                name=feature_name, shape=(), dtype="float32"
            )
        else:
            inputs[feature_name] = layers.Input(
                name=feature_name, shape=(), dtype="int32"  # harness: "string" in the original
            )
    return inputs


"""
## Encode features
"""


def encode_inputs(inputs, use_embedding=False):
    encoded_features = []
    for feature_name in inputs:
        if feature_name in CATEGORICAL_FEATURE_NAMES:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
            # harness: the inputs already hold the StringLookup(vocabulary=vocabulary,
            # mask_token=None, num_oov_indices=0) indices; its "binary" mode is a one-hot
            # CategoryEncoding.
            if use_embedding:
                # Convert the string input values into integer indices.
                encoded_feature = inputs[feature_name]  # harness: lookup(inputs[feature_name])
                embedding_dims = int(math.sqrt(len(vocabulary)))
                # Create an embedding layer with the specified dimensions.
                embedding = layers.Embedding(
                    input_dim=len(vocabulary), output_dim=embedding_dims
                )
                # Convert the index values to embedding representations.
                encoded_feature = embedding(encoded_feature)
            else:
                # Convert the string input values into a one hot encoding.
                lookup = layers.CategoryEncoding(num_tokens=len(vocabulary), output_mode="one_hot")  # harness:
                encoded_feature = lookup(ops.expand_dims(inputs[feature_name], -1))
        else:
            # Use the numerical features as-is.
            encoded_feature = ops.expand_dims(inputs[feature_name], -1)

        encoded_features.append(encoded_feature)

    all_features = layers.concatenate(encoded_features)
    return all_features


def seed(model, seed_value):  # harness: equal initial weights (positive BatchNormalization variance)
    rs = np.random.RandomState(seed_value)
    weights = []
    for w in model.weights:
        if "moving_variance" in w.path or "gamma" in w.path:
            weights.append(rs.uniform(0.5, 1.5, w.shape).astype("float32"))
        else:
            weights.append(rs.normal(0, 0.2, w.shape).astype("float32"))
    model.set_weights(weights)


def record(tag, model, history, accuracy):  # harness:
    RESULTS[f"{tag}_count_params"] = model.count_params()
    RESULTS[f"{tag}_n_layers"] = len(model.layers)
    RESULTS[f"{tag}_weight_shapes"] = [str(tuple(w.shape)) for w in model.weights]
    RESULTS[f"{tag}_input_names"] = sorted(model.input)
    RESULTS[f"{tag}_history_keys"] = sorted(history.history)
    RESULTS[f"{tag}_loss"] = history.history["loss"]
    RESULTS[f"{tag}_acc"] = history.history["sparse_categorical_accuracy"]
    RESULTS[f"{tag}_test_acc"] = accuracy
    RESULTS[f"{tag}_pred"] = model.predict({k: v[:3] for k, v in test_x.items()}, verbose=0)


"""
## Experiment 1: a baseline model
"""


def create_baseline_model():
    inputs = create_model_inputs()
    features = encode_inputs(inputs)

    for units in hidden_units:
        features = layers.Dense(units)(features)
        features = layers.BatchNormalization()(features)
        features = layers.ReLU()(features)
        features = layers.Dropout(dropout_rate)(features)

    outputs = layers.Dense(units=NUM_CLASSES, activation="softmax")(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


baseline_model = create_baseline_model()
seed(baseline_model, 1)  # harness:
record("baseline", baseline_model, *run_experiment(baseline_model))

"""
## Experiment 2: Wide & Deep model
"""


def create_wide_and_deep_model():
    inputs = create_model_inputs()
    wide = encode_inputs(inputs)
    wide = layers.BatchNormalization()(wide)

    deep = encode_inputs(inputs, use_embedding=True)
    for units in hidden_units:
        deep = layers.Dense(units)(deep)
        deep = layers.BatchNormalization()(deep)
        deep = layers.ReLU()(deep)
        deep = layers.Dropout(dropout_rate)(deep)

    merged = layers.concatenate([wide, deep])
    outputs = layers.Dense(units=NUM_CLASSES, activation="softmax")(merged)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


wide_and_deep_model = create_wide_and_deep_model()
seed(wide_and_deep_model, 2)  # harness:
record("wide_deep", wide_and_deep_model, *run_experiment(wide_and_deep_model))

"""
## Experiment 3: Deep & Cross model
"""


def create_deep_and_cross_model():
    inputs = create_model_inputs()
    x0 = encode_inputs(inputs, use_embedding=True)

    cross = x0
    for _ in hidden_units:
        units = cross.shape[-1]
        x = layers.Dense(units)(cross)
        cross = x0 * x + cross
    cross = layers.BatchNormalization()(cross)

    deep = x0
    for units in hidden_units:
        deep = layers.Dense(units)(deep)
        deep = layers.BatchNormalization()(deep)
        deep = layers.ReLU()(deep)
        deep = layers.Dropout(dropout_rate)(deep)

    merged = layers.concatenate([cross, deep])
    outputs = layers.Dense(units=NUM_CLASSES, activation="softmax")(merged)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


deep_and_cross_model = create_deep_and_cross_model()
seed(deep_and_cross_model, 3)  # harness:
record("deep_cross", deep_and_cross_model, *run_experiment(deep_and_cross_model))
RESULTS["deep_cross_layer_types"] = sorted({type(layer).__name__ for layer in deep_and_cross_model.layers})
RTOL = 2e-4
