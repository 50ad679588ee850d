"""keras.io examples/structured_data/structured_data_classification_from_scratch.py (backend-agnostic).

Heart-disease-shaped synthetic dataframe (pandas): metadata dicts, adapted
``Normalization`` layers applied to symbolic ``Input``s, a functional model
built from a *dict whose numeric entries are the Normalization outputs* (Keras
3 turns such non-``Input`` tensors into new model inputs), a custom
``Classifier`` layer taking the dict (``layers.concatenate``, its own
``build`` only setting ``built``), ``compile("adam", "binary_crossentropy",
metrics=["accuracy"])``, fit on dict batches, and ``predict`` on one sample
given as lists. The ``IntegerLookup``/``StringLookup(output_mode="binary")``
``tf.data`` map (TensorFlow-only) is the same multi-hot encoding in numpy
(harness); the dataset is not shuffled.
"""

import numpy as np
import pandas as pd
import keras
from keras import layers

RESULTS = {}

"""
## Preparing the data
"""

# harness: synthetic rows instead of heart.csv
rng = np.random.RandomState(0)
n_rows = 120
dataframe = pd.DataFrame(
    {
        "age": rng.randint(29, 78, n_rows),
        "sex": rng.randint(0, 2, n_rows),
        "cp": rng.randint(0, 5, n_rows),
        "trestbps": rng.randint(94, 200, n_rows),
        "chol": rng.randint(126, 564, n_rows),
        "fbs": rng.randint(0, 2, n_rows),
        "restecg": rng.randint(0, 3, n_rows),
        "thalach": rng.randint(71, 202, n_rows),
        "exang": rng.randint(0, 2, n_rows),
        "oldpeak": np.round(rng.uniform(0, 6.2, n_rows), 1),
        "slope": rng.randint(1, 4, n_rows),
        "ca": rng.randint(0, 4, n_rows),
        "thal": rng.choice(["fixed", "normal", "reversible", "1", "2"], n_rows),
    }
)
dataframe["target"] = ((dataframe["cp"] > 2) | (dataframe["thalach"] < 120)).astype("int64")

val_dataframe = dataframe.sample(frac=0.2, random_state=1337)
train_dataframe = dataframe.drop(val_dataframe.index)
RESULTS["split"] = [len(train_dataframe), len(val_dataframe)]

"""
## Define dataset metadata
"""

COLUMN_NAMES = [
    "age",
    "sex",
    "cp",
    "trestbps",
    "chol",
    "fbs",
    "restecg",
    "thalach",
    "exang",
    "oldpeak",
    "slope",
    "ca",
    "thal",
    "target",
]
# Target feature name.
TARGET_FEATURE_NAME = "target"
# Numeric feature names.
NUMERIC_FEATURE_NAMES = ["age", "trestbps", "thalach", "oldpeak", "slope", "chol"]
# Categorical features and their vocabulary lists.
CATEGORICAL_FEATURES_WITH_VOCABULARY = {
    feature_name: sorted(
        [
            # Integer categorcal must be int and string must be str
            value if dataframe[feature_name].dtype == "int64" else str(value)
            for value in list(dataframe[feature_name].unique())
        ]
    )
    for feature_name in COLUMN_NAMES
    if feature_name not in list(NUMERIC_FEATURE_NAMES + [TARGET_FEATURE_NAME])
}
# All features names.
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + list(
    CATEGORICAL_FEATURES_WITH_VOCABULARY.keys()
)
RESULTS["feature_names"] = FEATURE_NAMES

"""
## Feature preprocessing with Keras layers
"""


def encode_categorical(features, target):
    # harness: IntegerLookup/StringLookup(vocabulary, mask_token=None, num_oov_indices=0,
    # output_mode="binary") in a tf.data map in the original
    for feature_name in features:
        if feature_name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
            values = np.asarray(features[feature_name])
            features[feature_name] = np.stack(
                [(values == v).astype("int64") for v in vocabulary], axis=-1
            )
        else:
            features[feature_name] = np.asarray(features[feature_name])
    return dict(features), target


def encode_numerical_feature(feature, name, dataset):
    # Create a Normalization layer for our feature
    normalizer = layers.Normalization()
    # Prepare a Dataset that only yields our feature
    feature_ds = np.expand_dims(dataset[0][name], -1)  # harness: dataset.map(...)
    # Learn the statistics of the data
    normalizer.adapt(feature_ds)
    RESULTS[f"norm_{name}"] = [float(np.ravel(normalizer.mean)[0]),
                               float(np.ravel(normalizer.variance)[0])]  # harness:
    # Normalize the input feature
    encoded_feature = normalizer(feature)
    return encoded_feature


def dataframe_to_dataset(dataframe):
    dataframe = dataframe.copy()
    labels = dataframe.pop("target")
    # harness: tf.data.Dataset.from_tensor_slices(...).map(encode_categorical), not shuffled
    ds = encode_categorical({k: dataframe[k].values for k in dataframe}, labels.values)
    return ds


train_ds = dataframe_to_dataset(train_dataframe)
val_ds = dataframe_to_dataset(val_dataframe)

"""
## Build a model
"""


def create_model_inputs():
    inputs = {}

    # This a helper function for creating categorical features
    def create_input_helper(feature_name):
        num_categories = len(CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name])
        inputs[feature_name] = layers.Input(
            name=feature_name, shape=(num_categories,), dtype="int64"
        )
        return inputs

    for feature_name in FEATURE_NAMES:
        if feature_name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            # Categorical features
            create_input_helper(feature_name)
        else:
            # Make them float32, they are Real numbers
            feature_input = layers.Input(name=feature_name, shape=(1,), dtype="float32")
            # Process the Inputs here
            inputs[feature_name] = encode_numerical_feature(
                feature_input, feature_name, train_ds
            )
    return inputs


# This Layer defines the logic of the Model to perform the classification
class Classifier(keras.layers.Layer):

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense_1 = layers.Dense(32, activation="relu")
        self.dropout = layers.Dropout(0.0)  # harness: 0.5
        self.dense_2 = layers.Dense(1, activation="sigmoid")

    def call(self, inputs):
        all_features = layers.concatenate(list(inputs.values()))
        x = self.dense_1(all_features)
        x = self.dropout(x)
        output = self.dense_2(x)
        return output

    # Surpress build warnings
    def build(self, input_shape):
        self.built = True


# Create the Classifier model
def create_model():
    all_inputs = create_model_inputs()
    output = Classifier()(all_inputs)
    model = keras.Model(all_inputs, output)
    return model


model = create_model()
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
RESULTS["count_params"] = model.count_params()
RESULTS["num_inputs"] = len(model.inputs)
RESULTS["layer_types"] = sorted(type(layer).__name__ for layer in model.layers)
RESULTS["input_shapes"] = [" ".join(str(d) for d in t.shape) for t in model.inputs]
RESULTS["weight_shapes"] = [" ".join(str(d) for d in w.shape) for w in model.weights]
seeded = np.random.RandomState(1)  # harness: equal initial weights in both libraries
model.set_weights([seeded.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])  # harness:

"""
## Train the model
"""

history = model.fit(
    *train_ds, batch_size=32, epochs=3, validation_data=val_ds,  # harness: .batch(32), 50 epochs
    shuffle=False, verbose=0,  # harness:
)
RESULTS["history_keys"] = sorted(history.history)
for key, values in history.history.items():
    RESULTS["hist_" + key] = values

"""
## Inference on new data
"""

sample = {
    "age": 60,
    "sex": 1,
    "cp": 1,
    "trestbps": 145,
    "chol": 233,
    "fbs": 1,
    "restecg": 2,
    "thalach": 150,
    "exang": 0,
    "oldpeak": 2.3,
    "slope": 3,
    "ca": 0,
    "thal": "fixed",
}


# Given the category (in the sample above - key) and the category value (in the sample above - value),
# we return its one-hot encoding
def get_cat_encoding(cat, cat_value):
    # Create a list of zeros with the same length as categories
    encoding = [0] * len(cat)
    # Find the index of category_value in categories and set the corresponding position to 1
    if cat_value in cat:
        encoding[cat.index(cat_value)] = 1
    return encoding


for name, value in sample.items():
    if name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
        sample.update(
            {
                name: get_cat_encoding(
                    CATEGORICAL_FEATURES_WITH_VOCABULARY[name], sample[name]
                )
            }
        )
# Convert inputs to tensors
input_dict = {name: keras.ops.convert_to_tensor([value]) for name, value in sample.items()}
predictions = model.predict(input_dict, verbose=0)
RESULTS["sample_prediction"] = predictions
RESULTS["val_predictions"] = model.predict(val_ds[0], verbose=0)[:5]
RESULTS["evaluate"] = model.evaluate(*val_ds, verbose=0)
RTOL, ATOL = 2e-4, 1e-5
