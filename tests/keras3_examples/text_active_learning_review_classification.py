"""keras.io examples/nlp/active_learning_review_classification.py: ratio-based active learning.

A Sequential Embedding + Bidirectional(LSTM) + GlobalMaxPool1D classifier
compiled with "rmsprop" and ``BinaryAccuracy``/``FalseNegatives``/
``FalsePositives``; the full-dataset model with ``EarlyStopping`` and
``ModelCheckpoint(save_best_only=True)`` then ``load_model`` and
``evaluate(return_dict=True)``; the active learning loop that reuses one
``ModelCheckpoint`` (its best value kept across fits) over recompiles, samples
from the pools by the false negative/positive ratio of ``evaluate`` and reloads
the best checkpoint after each round. Synthetic IMDB reviews already turned
into token ids (harness: ``TextVectorization`` needs TensorFlow in Keras 3;
``tf.data`` take/skip/concatenate/shuffle are numpy slices in a fixed order).
"""

import numpy as np
import keras
from keras import ops
from keras import layers

RESULTS = {}

VOCAB = 300  # harness: 3000
SEQ_LEN = 20  # harness: 150

"""
## Loading and preprocessing the data
"""

# harness: synthetic vectorized reviews: positive reviews use more of the low token ids
rng = np.random.RandomState(0)
n_reviews = 240
labels = (rng.uniform(size=n_reviews) < 0.5).astype("int64")
low = rng.randint(1, VOCAB // 2, size=(n_reviews, SEQ_LEN))
high = rng.randint(VOCAB // 2, VOCAB, size=(n_reviews, SEQ_LEN))
own_class = rng.uniform(size=(n_reviews, SEQ_LEN)) < 0.7
reviews = np.where((labels[:, None] == 1) == own_class, low, high)

val_split = 20  # harness: 2500
test_split = 20  # harness: 2500
train_split = 20  # harness: 7500

# Separating the negative and positive samples for manual stratification
x_positives, y_positives = reviews[labels == 1], labels[labels == 1]
x_negatives, y_negatives = reviews[labels == 0], labels[labels == 0]

# Creating training, validation and testing splits
x_val, y_val = (
    np.concatenate((x_positives[:val_split], x_negatives[:val_split]), 0),
    np.concatenate((y_positives[:val_split], y_negatives[:val_split]), 0),
)
x_test, y_test = (
    np.concatenate(
        (
            x_positives[val_split : val_split + test_split],
            x_negatives[val_split : val_split + test_split],
        ),
        0,
    ),
    np.concatenate(
        (
            y_positives[val_split : val_split + test_split],
            y_negatives[val_split : val_split + test_split],
        ),
        0,
    ),
)
x_train, y_train = (
    np.concatenate(
        (
            x_positives[val_split + test_split : val_split + test_split + train_split],
            x_negatives[val_split + test_split : val_split + test_split + train_split],
        ),
        0,
    ),
    np.concatenate(
        (
            y_positives[val_split + test_split : val_split + test_split + train_split],
            y_negatives[val_split + test_split : val_split + test_split + train_split],
        ),
        0,
    ),
)

# Remaining pool of samples are stored separately. These are only labeled as and when required
x_pool_positives, y_pool_positives = (
    x_positives[val_split + test_split + train_split :],
    y_positives[val_split + test_split + train_split :],
)
x_pool_negatives, y_pool_negatives = (
    x_negatives[val_split + test_split + train_split :],
    y_negatives[val_split + test_split + train_split :],
)

# harness: (x, y) tuples of arrays stand for the tf.data datasets
train_dataset = (x_train, y_train)
val_dataset = (x_val, y_val)
test_dataset = (x_test, y_test)
pool_negatives = (x_pool_negatives, y_pool_negatives)
pool_positives = (x_pool_positives, y_pool_positives)
RESULTS["sizes"] = [len(x_train), len(x_val), len(x_test), len(x_pool_negatives),
                    len(x_pool_positives)]


def concatenate(*datasets):  # harness: Dataset.concatenate
    return tuple(np.concatenate(parts, 0) for parts in zip(*datasets))


def take(dataset, n):  # harness: Dataset.take
    return tuple(part[:n] for part in dataset)


def skip(dataset, n):  # harness: Dataset.skip
    return tuple(part[n:] for part in dataset)


"""
## Creating Helper Functions
"""


# Helper function for merging new history objects with older ones
def append_history(losses, val_losses, accuracy, val_accuracy, history):
    losses = losses + history.history["loss"]
    val_losses = val_losses + history.history["val_loss"]
    accuracy = accuracy + history.history["binary_accuracy"]
    val_accuracy = val_accuracy + history.history["val_binary_accuracy"]
    return losses, val_losses, accuracy, val_accuracy


"""
## Creating the Model
"""

model_seed = [10]  # harness: equal initial weights in both libraries


def create_model():
    model = keras.models.Sequential(
        [
            layers.Input(shape=(SEQ_LEN,)),
            layers.Embedding(input_dim=VOCAB, output_dim=8),  # harness: 128
            layers.Bidirectional(layers.LSTM(4, return_sequences=True)),  # harness: 32
            layers.GlobalMaxPool1D(),
            layers.Dense(20, activation="relu"),
            layers.Dropout(0.0),  # harness: 0.5
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.summary()
    rs = np.random.RandomState(model_seed[0])  # harness:
    model_seed[0] += 1  # harness:
    model.set_weights([rs.normal(0, 0.2, w.shape).astype("float32")
                       for w in model.get_weights()])  # harness:
    return model


"""
## Training on the entire dataset
"""


def train_full_model(full_train_dataset, val_dataset, test_dataset):
    model = create_model()
    model.compile(
        loss="binary_crossentropy",
        optimizer="rmsprop",
        metrics=[
            keras.metrics.BinaryAccuracy(),
            keras.metrics.FalseNegatives(),
            keras.metrics.FalsePositives(),
        ],
    )

    # We will save the best model at every epoch and load the best one for evaluation on the test set
    history = model.fit(
        *full_train_dataset,
        batch_size=16,  # harness: .batch(256)
        epochs=4,  # harness: 20
        validation_data=val_dataset,
        callbacks=[
            keras.callbacks.EarlyStopping(patience=4, verbose=1),
            keras.callbacks.ModelCheckpoint(
                "FullModelCheckpoint.keras", verbose=1, save_best_only=True
            ),
        ],
        shuffle=False,  # harness: .shuffle(20000)
        verbose=0,  # harness:
    )
    RESULTS["full_history_keys"] = sorted(history.history)  # harness:
    RESULTS["full_loss"] = history.history["loss"]  # harness:
    RESULTS["full_val_loss"] = history.history["val_loss"]  # harness:
    RESULTS["full_binary_accuracy"] = history.history["binary_accuracy"]  # harness:

    # Loading the best checkpoint
    model = keras.models.load_model("FullModelCheckpoint.keras")

    result = model.evaluate(*test_dataset, verbose=0, return_dict=True)
    RESULTS["full_test_keys"] = sorted(result)  # harness:
    RESULTS["full_test_values"] = [float(result[k]) for k in sorted(result)]  # harness:
    return model


# Sampling the full train dataset to train on
full_train_dataset = concatenate(train_dataset, pool_positives, pool_negatives)

# Training the full model
full_dataset_model = train_full_model(full_train_dataset, val_dataset, test_dataset)

"""
## Training via Active Learning
"""


def train_active_learning_models(
    train_dataset,
    pool_negatives,
    pool_positives,
    val_dataset,
    test_dataset,
    num_iterations=3,
    sampling_size=5000,
):

    # Creating lists for storing metrics
    losses, val_losses, accuracies, val_accuracies = [], [], [], []

    model = create_model()
    # We will monitor the false positives and false negatives predicted by our model
    # These will decide the subsequent sampling ratio for every Active Learning loop
    model.compile(
        loss="binary_crossentropy",
        optimizer="rmsprop",
        metrics=[
            keras.metrics.BinaryAccuracy(),
            keras.metrics.FalseNegatives(),
            keras.metrics.FalsePositives(),
        ],
    )

    # Defining checkpoints.
    # The checkpoint callback is reused throughout the training since it only saves the best overall model.
    checkpoint = keras.callbacks.ModelCheckpoint(
        "AL_Model.keras", save_best_only=True, verbose=1
    )
    # Here, patience is set to 4. This can be set higher if desired.
    early_stopping = keras.callbacks.EarlyStopping(patience=4, verbose=1)

    print(f"Starting to train with {len(train_dataset[0])} samples")
    # Initial fit with a small subset of the training set
    history = model.fit(
        *train_dataset,
        batch_size=16,  # harness: .batch(256)
        epochs=3,  # harness: 20
        validation_data=val_dataset,
        callbacks=[checkpoint, early_stopping],
        shuffle=False,  # harness:
        verbose=0,  # harness:
    )

    # Appending history
    losses, val_losses, accuracies, val_accuracies = append_history(
        losses, val_losses, accuracies, val_accuracies, history
    )

    for iteration in range(num_iterations):
        # Getting predictions from previously trained model
        predictions = model.predict(test_dataset[0], verbose=0)

        # Generating labels from the output probabilities
        rounded = ops.where(ops.greater(predictions, 0.5), 1, 0)
        RESULTS[f"rounded_{iteration}"] = ops.convert_to_numpy(rounded)[:, 0]  # harness:

        # Evaluating the number of zeros and ones incorrrectly classified
        _, _, false_negatives, false_positives = model.evaluate(*test_dataset, verbose=0)
        RESULTS[f"false_counts_{iteration}"] = [false_negatives, false_positives]  # harness:

        # This technique of Active Learning demonstrates ratio based sampling where
        # Number of ones/zeros to sample = Number of ones/zeros incorrectly classified / Total incorrectly classified
        if false_negatives != 0 and false_positives != 0:
            total = false_negatives + false_positives
            sample_ratio_ones, sample_ratio_zeros = (
                false_positives / total,
                false_negatives / total,
            )
        # In the case where all samples are correctly predicted, we can sample both classes equally
        else:
            sample_ratio_ones, sample_ratio_zeros = 0.5, 0.5

        # Sample the required number of ones and zeros
        sampled_dataset = concatenate(
            take(pool_negatives, int(sample_ratio_zeros * sampling_size)),
            take(pool_positives, int(sample_ratio_ones * sampling_size)),
        )

        # Skip the sampled data points to avoid repetition of sample
        pool_negatives = skip(pool_negatives, int(sample_ratio_zeros * sampling_size))
        pool_positives = skip(pool_positives, int(sample_ratio_ones * sampling_size))

        # Concatenating the train_dataset with the sampled_dataset
        train_dataset = concatenate(train_dataset, sampled_dataset)
        RESULTS[f"train_size_{iteration}"] = len(train_dataset[0])  # harness:

        # We recompile the model to reset the optimizer states and retrain the model
        model.compile(
            loss="binary_crossentropy",
            optimizer="rmsprop",
            metrics=[
                keras.metrics.BinaryAccuracy(),
                keras.metrics.FalseNegatives(),
                keras.metrics.FalsePositives(),
            ],
        )
        history = model.fit(
            *train_dataset,
            batch_size=16,  # harness: .batch(256)
            validation_data=val_dataset,
            epochs=2,  # harness: 20
            callbacks=[
                checkpoint,
                keras.callbacks.EarlyStopping(patience=4, verbose=1),
            ],
            shuffle=False,  # harness:
            verbose=0,  # harness:
        )

        # Appending the history
        losses, val_losses, accuracies, val_accuracies = append_history(
            losses, val_losses, accuracies, val_accuracies, history
        )

        # Loading the best model from this training loop
        model = keras.models.load_model("AL_Model.keras")
        RESULTS[f"reloaded_optimizer_iterations_{iteration}"] = int(
            model.optimizer.iterations)  # harness:

    RESULTS["al_losses"] = losses  # harness: plotted in the original
    RESULTS["al_val_losses"] = val_losses  # harness:
    RESULTS["al_accuracies"] = accuracies  # harness:
    RESULTS["al_val_accuracies"] = val_accuracies  # harness:
    RESULTS["checkpoint_best"] = float(checkpoint.best)  # harness:
    result = model.evaluate(*test_dataset, verbose=0, return_dict=True)
    RESULTS["al_test_values"] = [float(result[k]) for k in sorted(result)]  # harness:
    return model


active_learning_model = train_active_learning_models(
    train_dataset, pool_negatives, pool_positives, val_dataset, test_dataset,
    sampling_size=40,  # harness: 5000
)
RESULTS["al_pred"] = active_learning_model.predict(x_test[:4], verbose=0)
RTOL, ATOL = 2e-4, 1e-5
