"""keras.io examples/keras_recipes/reproducibility_recipes.py: Reproducibility in Keras models.

``keras.utils.set_random_seed``; every built-in random initializer called twice
with ``seed=42`` (the values are Keras 3's own seeded draws and are compared);
two initializer objects with the same seed; unseeded initializers; a
Conv/Dropout model trained twice from the same global seed, its history written
to and read back from JSON, and the two runs compared. Unseeded draws are only
compared within one library: keraton's come from torch's global generator
(documented), Keras 3's from its ``SeedGenerator`` stream. The ``tf.data``
pipeline and ``enable_op_determinism`` (TensorFlow only) are replaced by NumPy
arrays already resized to a small square (``# harness:``). Synthetic digits.
"""

import json
import numpy as np
import keras
from keras import layers
from keras import initializers

RESULTS = {}

# Set the seed using keras.utils.set_random_seed. This will set:
# 1) `numpy` seed
# 2) backend random seed
# 3) `python` random seed
keras.utils.set_random_seed(812)

# harness: tf.config.experimental.enable_op_determinism() left out (TensorFlow only)

initializers_list = [
    initializers.RandomNormal,
    initializers.RandomUniform,
    initializers.TruncatedNormal,
    initializers.VarianceScaling,
    initializers.GlorotNormal,
    initializers.GlorotUniform,
    initializers.HeNormal,
    initializers.HeUniform,
    initializers.LecunNormal,
    initializers.LecunUniform,
    initializers.Orthogonal,
]

seeded_results = []  # harness: recorded
for initializer in initializers_list:
    print(f"Running {initializer}")

    for iteration in range(2):
        # In order to get same results across multiple runs from an initializer,
        # you can specify a seed value.
        result = float(initializer(seed=42)(shape=(1, 1)))
        print(f"\tIteration --> {iteration} // Result --> {result}")
        seeded_results.append(result)
    print("\n")
RESULTS["seeded_results"] = seeded_results
RESULTS["initializer_names"] = [initializer.__name__ for initializer in initializers_list]

# Setting the seed value for an initializer will cause two different objects
# to produce same results.
glorot_normal_1 = keras.initializers.GlorotNormal(seed=42)
glorot_normal_2 = keras.initializers.GlorotNormal(seed=42)

input_dim, neurons = 3, 5

# Call two different objects with same shape
result_1 = glorot_normal_1(shape=(input_dim, neurons))
result_2 = glorot_normal_2(shape=(input_dim, neurons))

# Check if the results are equal.
equal = np.allclose(result_1, result_2)
print(f"Are the results equal? {equal}")
RESULTS["seeded_objects_equal"] = int(equal)
RESULTS["seeded_glorot"] = keras.ops.convert_to_numpy(result_1)

glorot_normal_3 = keras.initializers.GlorotNormal()
glorot_normal_4 = keras.initializers.GlorotNormal()

# Let's call the initializer.
result_3 = glorot_normal_3(shape=(input_dim, neurons))

# Call the second initializer.
result_4 = glorot_normal_4(shape=(input_dim, neurons))

equal = np.allclose(result_3, result_4)
print(f"Are the results equal? {equal}")
RESULTS["unseeded_objects_equal"] = int(equal)
RESULTS["unseeded_shape"] = list(result_3.shape)

# harness: the "restart the notebook" of the original: the same cells again from the same seed
keras.utils.set_random_seed(812)
glorot_normal_3 = keras.initializers.GlorotNormal()
RESULTS["unseeded_rerun_equal"] = int(np.allclose(glorot_normal_3(shape=(input_dim, neurons)), result_3))


def train_model(train_data, test_data) -> dict:  # harness: (x, y) tuples instead of tf.data
    model = keras.Sequential(
        [
            layers.Conv2D(8, (3, 3), activation="relu"),  # harness: 32 filters in each Conv2D
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.2),
            layers.Conv2D(8, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.2),
            layers.Conv2D(8, (3, 3), activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(16, activation="relu"),  # harness: 64
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )

    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,
    )
    # jit_compile's default value is "auto" which will cause some problems in some
    # ops, therefore it's set to False.

    # model.fit has a `shuffle` parameter which has a default value of `True`.
    # If you are using array-like objects, this will shuffle the data before
    # training. This argument is ignored when `x` is a generator or
    # `tf.data.Dataset`.
    history = model.fit(*train_data, batch_size=16, epochs=2, validation_data=test_data,
                        verbose=0)  # harness: arrays (shuffled by fit), batch_size, verbose

    print(f"Model accuracy on test data: {model.evaluate(*test_data, verbose=0)[1] * 100:.2f}%")
    RESULTS["params"] = model.count_params()  # harness: recorded

    return history.history


# Load the MNIST dataset (harness: synthetic digits, already resized to 20x20 and scaled)
data_rng = np.random.RandomState(0)
train_images = data_rng.random_sample((48, 20, 20, 1)).astype("float32")
train_labels = data_rng.randint(0, 10, size=(48,))
test_images = data_rng.random_sample((16, 20, 20, 1)).astype("float32")
test_labels = data_rng.randint(0, 10, size=(16,))

train_data = (train_images, train_labels)
test_data = (test_images, test_labels)

keras.utils.set_random_seed(812)  # harness: as at the top of the notebook for each run
history = train_model(train_data, test_data)

# Save the history object into a json file
with open("history.json", "w") as fp:
    json.dump(history, fp)

keras.utils.set_random_seed(812)  # harness: the notebook restarted
history = train_model(train_data, test_data)

with open("history.json", "r") as fp:
    history_loaded = json.load(fp)

not_equal = []  # harness: recorded
for key in history.keys():
    for i in range(len(history[key])):
        if not np.allclose(history[key][i], history_loaded[key][i]):
            print(f"{key} not equal")
            not_equal.append(key)

RESULTS["history_keys"] = sorted(history)
RESULTS["history_loaded_keys"] = sorted(history_loaded)
RESULTS["history_lengths"] = [len(history[k]) for k in sorted(history)]
RESULTS["not_equal"] = str(not_equal)
RESULTS["json_types"] = sorted({type(v).__name__ for vs in history_loaded.values() for v in vs})
