"""keras.io examples/structured_data/tabtransformer.py (Keras 3), synthetic Adult-census rows.

Dict of ``Input``s, per-feature ``Embedding``s, ``create_mlp`` returning a
``Sequential`` with a ``functools.partial`` normalization layer, the baseline
MLP with skip-free feedforward blocks, and the TabTransformer (``ops.stack``
of embeddings, optional column embedding added via ``ops.arange``,
``MultiHeadAttention`` blocks with ``Add``/``LayerNormalization``, ``Flatten``,
BatchNormalization MLP, sigmoid head), compiled with ``AdamW`` and
``BinaryAccuracy`` and trained with ``sample_weight`` (the example's ``fnlwgt``
weights) and ``validation_data``. The categorical columns arrive as integer ids
(the example maps strings to ids in its tf.data pipeline).
"""

from functools import partial

import numpy as np
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Define dataset metadata
"""

NUMERIC_FEATURE_NAMES = [
    "age",
    "education_num",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
]
# harness: vocabulary sizes of the Adult dataset's columns (sorted(train_data[name].unique()))
CATEGORICAL_FEATURES_WITH_VOCABULARY = {
    "workclass": [f"w{i}" for i in range(9)],
    "education": [f"e{i}" for i in range(16)],
    "marital_status": [f"m{i}" for i in range(7)],
    "occupation": [f"o{i}" for i in range(15)],
    "relationship": [f"r{i}" for i in range(6)],
    "race": [f"r{i}" for i in range(5)],
    "gender": [" Female", " Male"],
    "native_country": [f"c{i}" for i in range(42)],
}
WEIGHT_COLUMN_NAME = "fnlwgt"
CATEGORICAL_FEATURE_NAMES = list(CATEGORICAL_FEATURES_WITH_VOCABULARY.keys())
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + CATEGORICAL_FEATURE_NAMES
TARGET_LABELS = [" <=50K", " >50K"]
NUM_CLASSES = len(TARGET_LABELS)

# harness: synthetic rows instead of the CSV files and tf.data pipeline
rng = np.random.RandomState(0)


def make_rows(n):
    features = {}
    for name in FEATURE_NAMES:
        if name in NUMERIC_FEATURE_NAMES:
            features[name] = rng.normal(0, 1, size=(n,)).astype("float32")
        else:
            size = len(CATEGORICAL_FEATURES_WITH_VOCABULARY[name])
            features[name] = rng.randint(0, size, size=(n,)).astype("int32")
    target = rng.randint(0, 2, size=(n,)).astype("float32")
    weights = rng.uniform(0.5, 1.5, size=(n,)).astype("float32")
    return features, target, weights


train_data = make_rows(64)
test_data = make_rows(32)

"""
## Configure the hyperparameters
"""

LEARNING_RATE = 0.001
WEIGHT_DECAY = 0.0001
DROPOUT_RATE = 0.0  # harness: 0.2 in the original (randomness would reach the results)
BATCH_SIZE = 32  # harness: 265
NUM_EPOCHS = 2  # harness: 15

NUM_TRANSFORMER_BLOCKS = 2  # harness: 3; Number of transformer blocks.
NUM_HEADS = 4  # Number of attention heads.
EMBEDDING_DIMS = 8  # harness: 16; Embedding dimensions of the categorical features.
MLP_HIDDEN_UNITS_FACTORS = [
    2,
    1,
]  # MLP hidden layer units, as factors of the number of inputs.
NUM_MLP_BLOCKS = 2  # Number of MLP blocks in the baseline model.

"""
## Implement a training and evaluation procedure
"""


def run_experiment(
    model,
    train_data,
    test_data,
    num_epochs,
    learning_rate,
    weight_decay,
    batch_size,
):
    optimizer = keras.optimizers.AdamW(
        learning_rate=learning_rate, weight_decay=weight_decay
    )

    model.compile(
        optimizer=optimizer,
        loss=keras.losses.BinaryCrossentropy(),
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )

    x, y, w = train_data  # harness: arrays instead of get_dataset_from_csv
    print("Start training the model...")
    history = model.fit(
        x, y, sample_weight=w, batch_size=batch_size, epochs=num_epochs,
        validation_data=test_data, shuffle=False, verbose=0,  # harness:
    )
    print("Model training finished")

    x_val, y_val, w_val = test_data  # harness:
    _, accuracy = model.evaluate(x_val, y_val, sample_weight=w_val, batch_size=batch_size, verbose=0)  # harness:

    print(f"Validation accuracy: {round(accuracy * 100, 2)}%")

    RESULTS.setdefault("eval_accuracy", []).append(accuracy)  # harness:
    return history


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
                name=feature_name, shape=(), dtype="int32"
            )
    return inputs


"""
## Encode features
"""


def encode_inputs(inputs, embedding_dims):
    encoded_categorical_feature_list = []
    numerical_feature_list = []

    for feature_name in inputs:
        if feature_name in CATEGORICAL_FEATURE_NAMES:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]

            # Create an embedding layer with the specified dimensions.
            embedding = layers.Embedding(
                input_dim=len(vocabulary), output_dim=embedding_dims
            )

            # Convert the index values to embedding representations.
            encoded_categorical_feature = embedding(inputs[feature_name])
            encoded_categorical_feature_list.append(encoded_categorical_feature)

        else:
            # Use the numerical features as-is.
            numerical_feature = ops.expand_dims(inputs[feature_name], -1)
            numerical_feature_list.append(numerical_feature)

    return encoded_categorical_feature_list, numerical_feature_list


"""
## Implement an MLP block
"""


def create_mlp(hidden_units, dropout_rate, activation, normalization_layer, name=None):
    mlp_layers = []
    for units in hidden_units:
        mlp_layers.append(normalization_layer()),
        mlp_layers.append(layers.Dense(units, activation=activation))
        mlp_layers.append(layers.Dropout(dropout_rate))

    return keras.Sequential(mlp_layers, name=name)


def seed(model, seed_value):  # harness: equal initial weights (positive BatchNormalization variance)
    rs = np.random.RandomState(seed_value)
    weights = []
    for w in model.weights:
        if "moving_variance" in w.path or "gamma" in w.path:
            weights.append(rs.uniform(0.5, 1.5, w.shape).astype("float32"))
        else:
            weights.append(rs.normal(0, 0.2, w.shape).astype("float32"))
    model.set_weights(weights)


def record(tag, model, history):  # harness:
    RESULTS[f"{tag}_count_params"] = model.count_params()
    RESULTS[f"{tag}_n_weights"] = len(model.weights)
    RESULTS[f"{tag}_history_keys"] = sorted(history.history)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        RESULTS[f"{tag}_{key}"] = history.history[key]
    RESULTS[f"{tag}_pred"] = model.predict({k: v[:4] for k, v in test_data[0].items()}, verbose=0)


"""
## Experiment 1: a baseline model
"""


def create_baseline_model(
    embedding_dims, num_mlp_blocks, mlp_hidden_units_factors, dropout_rate
):
    # Create model inputs.
    inputs = create_model_inputs()
    # encode features.
    encoded_categorical_feature_list, numerical_feature_list = encode_inputs(
        inputs, embedding_dims
    )
    # Concatenate all features.
    features = layers.concatenate(
        encoded_categorical_feature_list + numerical_feature_list
    )
    # Compute Feedforward layer units.
    feedforward_units = [features.shape[-1]]

    # Create several feedforwad layers with skip connections.
    for layer_idx in range(num_mlp_blocks):
        features = create_mlp(
            hidden_units=feedforward_units,
            dropout_rate=dropout_rate,
            activation=keras.activations.gelu,
            normalization_layer=layers.LayerNormalization,
            name=f"feedforward_{layer_idx}",
        )(features)

    # Compute MLP hidden_units.
    mlp_hidden_units = [
        factor * features.shape[-1] for factor in mlp_hidden_units_factors
    ]
    # Create final MLP.
    features = create_mlp(
        hidden_units=mlp_hidden_units,
        dropout_rate=dropout_rate,
        activation=keras.activations.selu,
        normalization_layer=layers.BatchNormalization,
        name="MLP",
    )(features)

    # Add a sigmoid as a binary classifer.
    outputs = layers.Dense(units=1, activation="sigmoid", name="sigmoid")(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


baseline_model = create_baseline_model(
    embedding_dims=EMBEDDING_DIMS,
    num_mlp_blocks=NUM_MLP_BLOCKS,
    mlp_hidden_units_factors=MLP_HIDDEN_UNITS_FACTORS,
    dropout_rate=DROPOUT_RATE,
)

print("Total model weights:", baseline_model.count_params())
seed(baseline_model, 1)  # harness:
history = run_experiment(
    model=baseline_model,
    train_data=train_data,
    test_data=test_data,
    num_epochs=NUM_EPOCHS,
    learning_rate=LEARNING_RATE,
    weight_decay=WEIGHT_DECAY,
    batch_size=BATCH_SIZE,
)
record("baseline", baseline_model, history)
RESULTS["baseline_sublayer_names"] = [layer.name for layer in baseline_model.layers
                                      if isinstance(layer, keras.Sequential)]

"""
## Experiment 2: TabTransformer
"""


def create_tabtransformer_classifier(
    num_transformer_blocks,
    num_heads,
    embedding_dims,
    mlp_hidden_units_factors,
    dropout_rate,
    use_column_embedding=False,
):
    # Create model inputs.
    inputs = create_model_inputs()
    # encode features.
    encoded_categorical_feature_list, numerical_feature_list = encode_inputs(
        inputs, embedding_dims
    )
    # Stack categorical feature embeddings for the Tansformer.
    encoded_categorical_features = ops.stack(encoded_categorical_feature_list, axis=1)
    # Concatenate numerical features.
    numerical_features = layers.concatenate(numerical_feature_list)

    # Add column embedding to categorical feature embeddings.
    if use_column_embedding:
        num_columns = encoded_categorical_features.shape[1]
        column_embedding = layers.Embedding(
            input_dim=num_columns, output_dim=embedding_dims
        )
        column_indices = ops.arange(start=0, stop=num_columns, step=1)
        encoded_categorical_features = encoded_categorical_features + column_embedding(
            column_indices
        )

    # Create multiple layers of the Transformer block.
    for block_idx in range(num_transformer_blocks):
        # Create a multi-head attention layer.
        attention_output = layers.MultiHeadAttention(
            num_heads=num_heads,
            key_dim=embedding_dims,
            dropout=dropout_rate,
            name=f"multihead_attention_{block_idx}",
        )(encoded_categorical_features, encoded_categorical_features)
        # Skip connection 1.
        x = layers.Add(name=f"skip_connection1_{block_idx}")(
            [attention_output, encoded_categorical_features]
        )
        # Layer normalization 1.
        x = layers.LayerNormalization(name=f"layer_norm1_{block_idx}", epsilon=1e-6)(x)
        # Feedforward.
        feedforward_output = create_mlp(
            hidden_units=[embedding_dims],
            dropout_rate=dropout_rate,
            activation=keras.activations.gelu,
            normalization_layer=partial(
                layers.LayerNormalization, epsilon=1e-6
            ),  # using partial to provide keyword arguments before initialization
            name=f"feedforward_{block_idx}",
        )(x)
        # Skip connection 2.
        x = layers.Add(name=f"skip_connection2_{block_idx}")([feedforward_output, x])
        # Layer normalization 2.
        encoded_categorical_features = layers.LayerNormalization(
            name=f"layer_norm2_{block_idx}", epsilon=1e-6
        )(x)

    # Flatten the "contextualized" embeddings of the categorical features.
    categorical_features = layers.Flatten()(encoded_categorical_features)
    # Apply layer normalization to the numerical features.
    numerical_features = layers.LayerNormalization(epsilon=1e-6)(numerical_features)
    # Prepare the input for the final MLP block.
    features = layers.concatenate([categorical_features, numerical_features])

    # Compute MLP hidden_units.
    mlp_hidden_units = [
        factor * features.shape[-1] for factor in mlp_hidden_units_factors
    ]
    # Create final MLP.
    features = create_mlp(
        hidden_units=mlp_hidden_units,
        dropout_rate=dropout_rate,
        activation=keras.activations.selu,
        normalization_layer=layers.BatchNormalization,
        name="MLP",
    )(features)

    # Add a sigmoid as a binary classifer.
    outputs = layers.Dense(units=1, activation="sigmoid", name="sigmoid")(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


tabtransformer_model = create_tabtransformer_classifier(
    num_transformer_blocks=NUM_TRANSFORMER_BLOCKS,
    num_heads=NUM_HEADS,
    embedding_dims=EMBEDDING_DIMS,
    mlp_hidden_units_factors=MLP_HIDDEN_UNITS_FACTORS,
    dropout_rate=DROPOUT_RATE,
)

print("Total model weights:", tabtransformer_model.count_params())
seed(tabtransformer_model, 2)  # harness:
history = run_experiment(
    model=tabtransformer_model,
    train_data=train_data,
    test_data=test_data,
    num_epochs=NUM_EPOCHS,
    learning_rate=LEARNING_RATE,
    weight_decay=WEIGHT_DECAY,
    batch_size=BATCH_SIZE,
)
record("tab", tabtransformer_model, history)

# harness: the `use_column_embedding=True` variant is left out: with the torch backend Keras 3
# calls the column Embedding eagerly on the concrete `ops.arange` tensor while building the
# functional model, the result is a constant holding an autograd graph, and the second
# training step fails ("Trying to backward through the graph a second time").
# The TabTransformer's last LayerNormalization beta (and the attention key bias) feed a
# BatchNormalization / softmax that cancels them: their true gradient is zero, AdamW turns the
# float32 noise of either library into lr-sized steps, and the predictions drift apart by ~2e-3.
RTOL = 3e-3
ATOL = 2e-5
