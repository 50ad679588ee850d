"""keras.io examples/structured_data/deep_neural_decision_forests.py (Keras 3), synthetic census rows.

``NeuralDecisionTree``: a ``keras.Model`` subclass with ``add_weight`` in
``__init__``, a constant feature mask tensor, a named ``Dense`` routing layer,
``layers.concatenate`` / ``ops.tile`` / slicing / ``ops.reshape`` inside
``call`` and ``keras.activations.softmax`` on a weight; ``NeuralDecisionForest``
holding trees in a list and summing them with ``+=``. Both wrapped in a
functional model over a dict of inputs (Embeddings for categorical ids,
``shape[-1] is None`` check for numeric ones, BatchNormalization) and trained
with ``SparseCategoricalAccuracy``. Smaller trees/forest, synthetic data;
categorical columns arrive as integer ids (``StringLookup`` needs TensorFlow).
"""

import math

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
# harness: vocabulary sizes of the Adult dataset's categorical columns
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
CATEGORICAL_FEATURE_NAMES = list(CATEGORICAL_FEATURES_WITH_VOCABULARY.keys())
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + CATEGORICAL_FEATURE_NAMES
TARGET_LABELS = [" <=50K", " >50K"]

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
    target = rng.randint(0, 2, size=(n,))
    return features, target


train_x, train_y = make_rows(96)
test_x, test_y = make_rows(32)

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
                name=feature_name, shape=(), dtype="int32"  # harness: "string"
            )
    return inputs


"""
## Encode input features
"""


def encode_inputs(inputs):
    encoded_features = []
    for feature_name in inputs:
        if feature_name in CATEGORICAL_FEATURE_NAMES:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
            # harness: the ids are what StringLookup(vocabulary=vocabulary, mask_token=None,
            # num_oov_indices=0, output_mode="int") returns; its vocabulary_size() is len(vocabulary)
            value_index = inputs[feature_name]
            embedding_dims = int(math.sqrt(len(vocabulary)))
            # Create an embedding layer with the specified dimensions.
            embedding = layers.Embedding(
                input_dim=len(vocabulary), output_dim=embedding_dims
            )
            # Convert the index values to embedding representations.
            encoded_feature = embedding(value_index)
        else:
            # Use the numerical features as-is.
            encoded_feature = inputs[feature_name]
            if inputs[feature_name].shape[-1] is None:
                encoded_feature = keras.ops.expand_dims(encoded_feature, -1)

        encoded_features.append(encoded_feature)

    encoded_features = layers.concatenate(encoded_features)
    return encoded_features


"""
## Deep Neural Decision Tree
"""


class NeuralDecisionTree(keras.Model):
    def __init__(self, depth, num_features, used_features_rate, num_classes):
        super().__init__()
        self.depth = depth
        self.num_leaves = 2**depth
        self.num_classes = num_classes

        # Create a mask for the randomly selected features.
        num_used_features = int(num_features * used_features_rate)
        one_hot = np.eye(num_features)
        sampled_feature_indices = np.random.choice(
            np.arange(num_features), num_used_features, replace=False
        )
        self.used_features_mask = ops.convert_to_tensor(
            one_hot[sampled_feature_indices], dtype="float32"
        )

        # Initialize the weights of the classes in leaves.
        self.pi = self.add_weight(
            initializer="random_normal",
            shape=[self.num_leaves, self.num_classes],
            dtype="float32",
            trainable=True,
        )

        # Initialize the stochastic routing layer.
        self.decision_fn = layers.Dense(
            units=self.num_leaves, activation="sigmoid", name="decision"
        )

    def call(self, features):
        batch_size = ops.shape(features)[0]

        # Apply the feature mask to the input features.
        features = ops.matmul(
            features, ops.transpose(self.used_features_mask)
        )  # [batch_size, num_used_features]
        # Compute the routing probabilities.
        decisions = ops.expand_dims(
            self.decision_fn(features), axis=2
        )  # [batch_size, num_leaves, 1]
        # Concatenate the routing probabilities with their complements.
        decisions = layers.concatenate(
            [decisions, 1 - decisions], axis=2
        )  # [batch_size, num_leaves, 2]

        mu = ops.ones([batch_size, 1, 1])

        begin_idx = 1
        end_idx = 2
        # Traverse the tree in breadth-first order.
        for level in range(self.depth):
            mu = ops.reshape(mu, [batch_size, -1, 1])  # [batch_size, 2 ** level, 1]
            mu = ops.tile(mu, (1, 1, 2))  # [batch_size, 2 ** level, 2]
            level_decisions = decisions[
                :, begin_idx:end_idx, :
            ]  # [batch_size, 2 ** level, 2]
            mu = mu * level_decisions  # [batch_size, 2**level, 2]
            begin_idx = end_idx
            end_idx = begin_idx + 2 ** (level + 1)

        mu = ops.reshape(mu, [batch_size, self.num_leaves])  # [batch_size, num_leaves]
        probabilities = keras.activations.softmax(self.pi)  # [num_leaves, num_classes]
        outputs = ops.matmul(mu, probabilities)  # [batch_size, num_classes]
        return outputs


"""
## Deep Neural Decision Forest
"""


class NeuralDecisionForest(keras.Model):
    def __init__(self, num_trees, depth, num_features, used_features_rate, num_classes):
        super().__init__()
        self.ensemble = []
        # Initialize the ensemble by adding NeuralDecisionTree instances.
        # Each tree will have its own randomly selected input features to use.
        for _ in range(num_trees):
            self.ensemble.append(
                NeuralDecisionTree(depth, num_features, used_features_rate, num_classes)
            )

    def call(self, inputs):
        # Initialize the outputs: a [batch_size, num_classes] matrix of zeros.
        batch_size = ops.shape(inputs)[0]
        outputs = ops.zeros([batch_size, num_classes])

        # Aggregate the outputs of trees in the ensemble.
        for tree in self.ensemble:
            outputs += tree(inputs)
        # Divide the outputs by the ensemble size to get the average.
        outputs /= len(self.ensemble)
        return outputs


learning_rate = 0.01
batch_size = 32  # harness: 265
num_epochs = 2  # harness: 10


def seed(model, seed_value):  # harness: equal initial weights (positive BatchNormalization variance)
    rs = np.random.RandomState(seed_value)
    model.set_weights([
        rs.uniform(0.5, 1.5, w.shape).astype("float32")
        if "moving_variance" in w.path or "gamma" in w.path
        else rs.normal(0, 0.3, w.shape).astype("float32") for w in model.weights])


def run_experiment(model, tag):  # harness: tag, results
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    print("Start training the model...")
    history = model.fit(train_x, train_y, batch_size=batch_size, epochs=num_epochs,
                        shuffle=False, verbose=0)  # harness: arrays, shuffle, verbose
    print("Model training finished")

    print("Evaluating the model on the test data...")
    _, accuracy = model.evaluate(test_x, test_y, batch_size=batch_size, verbose=0)  # harness:

    print(f"Test accuracy: {round(accuracy * 100, 2)}%")
    RESULTS[f"{tag}_history_keys"] = sorted(history.history)
    RESULTS[f"{tag}_loss"] = history.history["loss"]
    RESULTS[f"{tag}_acc"] = history.history["sparse_categorical_accuracy"]
    RESULTS[f"{tag}_test_acc"] = accuracy
    RESULTS[f"{tag}_pred"] = model.predict({k: v[:4] for k, v in test_x.items()}, verbose=0)


"""
## Experiment 1: train a decision tree model
"""

num_trees = 3  # harness: 10
depth = 4  # harness: 10
used_features_rate = 1.0
num_classes = len(TARGET_LABELS)

np.random.seed(7)  # harness: the trees' feature sampling uses the global NumPy generator


def create_tree_model():
    inputs = create_model_inputs()
    features = encode_inputs(inputs)
    features = layers.BatchNormalization()(features)
    num_features = features.shape[1]

    tree = NeuralDecisionTree(depth, num_features, used_features_rate, num_classes)

    outputs = tree(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


tree_model = create_tree_model()
seed(tree_model, 1)  # harness:
tree = tree_model.layers[-1]
RESULTS["tree_count_params"] = tree_model.count_params()
RESULTS["tree_weight_shapes"] = [str(tuple(w.shape)) for w in tree.weights]
RESULTS["tree_n_trainable"] = len(tree.trainable_weights)
RESULTS["tree_mask"] = ops.convert_to_numpy(tree.used_features_mask).argmax(axis=1)
RESULTS["tree_output_shape"] = str(tuple(tree_model.outputs[0].shape))
run_experiment(tree_model, "tree")

"""
## Experiment 2: train a forest model
"""


def create_forest_model():
    inputs = create_model_inputs()
    features = encode_inputs(inputs)
    features = layers.BatchNormalization()(features)
    num_features = features.shape[1]

    forest_model = NeuralDecisionForest(
        num_trees, depth, num_features, used_features_rate, num_classes
    )

    outputs = forest_model(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


forest_model = create_forest_model()
seed(forest_model, 2)  # harness:
forest = forest_model.layers[-1]
RESULTS["forest_count_params"] = forest_model.count_params()
RESULTS["forest_n_weights"] = len(forest.weights)
RESULTS["forest_n_trees"] = len(forest.ensemble)
run_experiment(forest_model, "forest")
RTOL = 2e-4
