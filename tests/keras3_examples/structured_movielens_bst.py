"""keras.io example "A Transformer-based recommendation system"
(examples/structured_data/movielens_recommendations_transformers.py).

The Behavior Sequence Transformer: a functional model over a dict of named
``Input``s (ids, float ratings), ``Embedding`` encoders (the example's ``StringLookup``
needs TensorFlow in Keras 3: ids come as indices, ``# harness:``), a frozen ``Embedding`` with a
``Constant`` initializer (genre vectors), an ``Embedding`` of positions added
to a symbolic tensor, ``Multiply`` by the ratings, per-position slices stacked
back with ``layers.concatenate(axis=1)``, ``MultiHeadAttention`` with
``dropout``, ``LeakyReLU``, ``LayerNormalization``, ``BatchNormalization``;
``Adagrad`` with MSE and ``MeanAbsoluteError`` and ``steps_per_epoch``. The
example's ``tf.range``/``tf.expand_dims``/``tf.unstack`` are written with
``keras.ops`` (``# torch:``). Harness changes: synthetic MovieLens-shaped
string records in numpy dicts (no CSV/tf.data), tiny sizes, dropout rate 0,
seeded weights. All three ``include_*`` switches are on to cover the
user-feature and genre paths.
"""

import math

import numpy as np
import keras
from keras import layers
from keras import ops


def StringLookup(vocabulary, mask_token=None, num_oov_indices=0, name=None):  # harness:
    # Keras 3's StringLookup needs TensorFlow; the synthetic ids arrive as vocabulary indices.
    return layers.Identity(name=name)


RESULTS = {}

"""
## Synthetic MovieLens-1M-shaped metadata
"""

rng = np.random.RandomState(0)
num_users, num_movies = 9, 16  # harness: 6040 users, 3883 movies
genres = ["Action", "Comedy", "Drama", "Horror"]  # harness: 18 genres
users_user_id = [f"user_{i}" for i in range(1, num_users + 1)]
users_sex = ["M", "F"]
users_age_group = ["group_1", "group_18", "group_25", "group_35"]
users_occupation = [f"occupation_{i}" for i in range(5)]
movies_movie_id = [f"movie_{i}" for i in range(1, num_movies + 1)]
genre_matrix = rng.randint(0, 2, (num_movies, len(genres))).astype("float32")

sequence_length = 4
step_size = 2

CATEGORICAL_FEATURES_WITH_VOCABULARY = {
    "user_id": users_user_id,
    "movie_id": movies_movie_id,
    "sex": users_sex,
    "age_group": users_age_group,
    "occupation": users_occupation,
}

USER_FEATURES = ["sex", "age_group", "occupation"]

MOVIE_FEATURES = ["genres"]


def make_records(n):  # harness: numpy dicts in place of get_dataset_from_csv
    movie_seq = rng.randint(0, num_movies, (n, sequence_length))
    ratings = rng.randint(1, 6, (n, sequence_length)).astype("float32")
    ids = movie_seq.astype("int32")  # harness: indices of the string ids (see StringLookup)
    features = {
        "user_id": rng.randint(0, num_users, (n, 1)).astype("int32"),
        "sequence_movie_ids": ids[:, :-1],
        "target_movie_id": ids[:, -1:],
        "sequence_ratings": ratings[:, :-1],
        "sex": rng.randint(0, 2, (n, 1)).astype("int32"),
        "age_group": rng.randint(0, 4, (n, 1)).astype("int32"),
        "occupation": rng.randint(0, 5, (n, 1)).astype("int32"),
    }
    # The last rating in the sequence is the target for the model to predict.
    return features, ratings[:, -1]


train_features, train_target = make_records(32)
test_features, test_target = make_records(16)

"""
## Create model inputs
"""


def create_model_inputs():
    return {
        "user_id": layers.Input(name="user_id", shape=(1,), dtype="int32"),
        "sequence_movie_ids": layers.Input(
            name="sequence_movie_ids", shape=(sequence_length - 1,), dtype="int32"
        ),
        "target_movie_id": layers.Input(
            name="target_movie_id", shape=(1,), dtype="int32"
        ),
        "sequence_ratings": layers.Input(
            name="sequence_ratings", shape=(sequence_length - 1,), dtype="float32"
        ),
        "sex": layers.Input(name="sex", shape=(1,), dtype="int32"),
        "age_group": layers.Input(name="age_group", shape=(1,), dtype="int32"),
        "occupation": layers.Input(name="occupation", shape=(1,), dtype="int32"),
    }


"""
## Encode input features
"""


def encode_input_features(
    inputs,
    include_user_id=True,
    include_user_features=True,
    include_movie_features=True,
):
    encoded_transformer_features = []
    encoded_other_features = []

    other_feature_names = []
    if include_user_id:
        other_feature_names.append("user_id")
    if include_user_features:
        other_feature_names.extend(USER_FEATURES)

    ## Encode user features
    for feature_name in other_feature_names:
        feature = inputs[feature_name]
        # Convert the string input values into integer indices.
        vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
        idx = StringLookup(vocabulary=vocabulary, mask_token=None, num_oov_indices=0)(
            feature
        )
        # Compute embedding dimensions
        embedding_dims = int(math.sqrt(len(vocabulary)))
        # Create an embedding layer with the specified dimensions.
        embedding_encoder = layers.Embedding(
            input_dim=len(vocabulary),
            output_dim=embedding_dims,
            name=f"{feature_name}_embedding",
        )
        # Convert the index values to embedding representations.
        encoded_feature = embedding_encoder(idx)

        encoded_other_features.append(encoded_feature)

    ## Create a single embedding vector for the user features
    if len(encoded_other_features) > 1:
        encoded_other_features = layers.concatenate(encoded_other_features)
    elif len(encoded_other_features) == 1:
        encoded_other_features = encoded_other_features[0]
    else:
        encoded_other_features = None

    ## Create a movie embedding encoder
    movie_vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY["movie_id"]
    movie_embedding_dims = int(math.sqrt(len(movie_vocabulary)))
    # Create a lookup to convert a string values to an integer indices.
    movie_index_lookup = StringLookup(
        vocabulary=movie_vocabulary,
        mask_token=None,
        num_oov_indices=0,
        name="movie_index_lookup",
    )
    # Create an embedding layer with the specified dimensions.
    movie_embedding_encoder = layers.Embedding(
        input_dim=len(movie_vocabulary),
        output_dim=movie_embedding_dims,
        name="movie_embedding",
    )
    # Create movie genres vector lookup
    genre_vectors = genre_matrix  # harness: movies[genres].to_numpy()
    movie_genres_lookup = layers.Embedding(
        input_dim=genre_vectors.shape[0],
        output_dim=genre_vectors.shape[1],
        embeddings_initializer=keras.initializers.Constant(genre_vectors),
        trainable=False,
        name="genres_vector",
    )
    # Create a processing layer for genres.
    movie_embedding_processor = layers.Dense(
        units=movie_embedding_dims,
        activation="relu",
        name="process_movie_embedding_with_genres",
    )

    ## Define a function to encode a given movie id.
    def encode_movie(movie_id):
        # Convert the string input values into integer indices.
        movie_idx = movie_index_lookup(movie_id)
        movie_embedding = movie_embedding_encoder(movie_idx)
        encoded_movie = movie_embedding
        if include_movie_features:
            movie_genres_vector = movie_genres_lookup(movie_idx)
            encoded_movie = movie_embedding_processor(
                layers.concatenate([movie_embedding, movie_genres_vector])
            )
        return encoded_movie

    ## Encoding target_movie_id
    target_movie_id = inputs["target_movie_id"]
    encoded_target_movie = encode_movie(target_movie_id)

    ## Encoding sequence movie_ids.
    sequence_movies_ids = inputs["sequence_movie_ids"]
    encoded_sequence_movies = encode_movie(sequence_movies_ids)
    # Create positional embedding.
    position_embedding_encoder = layers.Embedding(
        input_dim=sequence_length,
        output_dim=movie_embedding_dims,
        name="position_embedding",
    )
    positions = ops.arange(start=0, stop=sequence_length - 1, step=1)  # torch: tf.range
    position_embedding_encoder.build((sequence_length - 1,))  # harness: seeded weights (this
    # layer is not part of the model's graph, so the later seeding does not reach it)
    position_embedding_encoder.set_weights([np.random.RandomState(2).normal(  # harness:
        0, 0.3, (sequence_length, movie_embedding_dims)).astype("float32")])  # harness:
    encodded_positions = position_embedding_encoder(positions)
    # harness: the call above runs eagerly (positions is not symbolic), so the result is a
    # constant of the graph (as under TensorFlow); detached, or Keras 3 (torch) backpropagates
    # into it at every step and fails on the second one.
    encodded_positions = ops.stop_gradient(encodded_positions)
    # Retrieve sequence ratings to incorporate them into the encoding of the movie.
    sequence_ratings = inputs["sequence_ratings"]
    sequence_ratings = ops.expand_dims(sequence_ratings, -1)  # torch: tf.expand_dims
    # Add the positional encoding to the movie encodings and multiply them by rating.
    encoded_sequence_movies_with_poistion_and_rating = layers.Multiply()(
        [(encoded_sequence_movies + encodded_positions), sequence_ratings]
    )

    # Construct the transformer inputs.
    for i in range(sequence_length - 1):  # torch: instead of tf.unstack(..., axis=1)
        feature = encoded_sequence_movies_with_poistion_and_rating[:, i, ...]
        feature = ops.expand_dims(feature, 1)
        encoded_transformer_features.append(feature)
    encoded_transformer_features.append(encoded_target_movie)

    encoded_transformer_features = layers.concatenate(
        encoded_transformer_features, axis=1
    )

    return encoded_transformer_features, encoded_other_features


"""
## Create a BST model
"""

include_user_id = True  # harness: False in the example
include_user_features = True  # harness: False
include_movie_features = True  # harness: False

hidden_units = [16, 8]  # harness: [256, 128]
dropout_rate = 0.0  # harness: 0.1
num_heads = 3


def create_model():
    inputs = create_model_inputs()
    transformer_features, other_features = encode_input_features(
        inputs, include_user_id, include_user_features, include_movie_features
    )

    # Create a multi-headed attention layer.
    attention_output = layers.MultiHeadAttention(
        num_heads=num_heads, key_dim=transformer_features.shape[2], dropout=dropout_rate
    )(transformer_features, transformer_features)

    # Transformer block.
    attention_output = layers.Dropout(dropout_rate)(attention_output)
    x1 = layers.Add()([transformer_features, attention_output])
    x1 = layers.LayerNormalization()(x1)
    x2 = layers.LeakyReLU()(x1)
    x2 = layers.Dense(units=x2.shape[-1])(x2)
    x2 = layers.Dropout(dropout_rate)(x2)
    transformer_features = layers.Add()([x1, x2])
    transformer_features = layers.LayerNormalization()(transformer_features)
    features = layers.Flatten()(transformer_features)

    # Included the other features.
    if other_features is not None:
        features = layers.concatenate(
            [features, layers.Reshape([other_features.shape[-1]])(other_features)]
        )

    # Fully-connected layers.
    for num_units in hidden_units:
        features = layers.Dense(num_units)(features)
        features = layers.BatchNormalization()(features)
        features = layers.LeakyReLU()(features)
        features = layers.Dropout(dropout_rate)(features)

    outputs = layers.Dense(units=1)(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


model = create_model()
RESULTS["count_params"] = model.count_params()
RESULTS["trainable_count"] = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
RESULTS["input_names"] = sorted(model.input.keys()) if isinstance(model.input, dict) else []
RESULTS["layer_classes"] = sorted({type(layer).__name__ for layer in model.layers})
RESULTS["genres_vector"] = model.get_layer("genres_vector").get_weights()[0][:4]

_rs = np.random.RandomState(1)  # harness: equal initial weights on both sides
for _w in model.trainable_weights:  # harness:
    _w.assign(_rs.normal(0, 0.3, _w.shape).astype("float32"))  # harness:

"""
## Run training and evaluation experiment
"""

learning_rate = 0.01
batch_size = 8  # harness: 265
num_epochs = 2  # harness: 5


def run_experiment(model):
    model.compile(
        optimizer=keras.optimizers.Adagrad(learning_rate=learning_rate),
        loss=keras.losses.MeanSquaredError(),
        metrics=[keras.metrics.MeanAbsoluteError()],
    )

    history = model.fit(
        train_features,  # harness: numpy dict in place of the CSV tf.data pipeline
        train_target,
        batch_size=batch_size,
        epochs=num_epochs,
        steps_per_epoch=len(train_target) // batch_size,
        shuffle=False,  # harness:
        verbose=0,  # harness:
    )
    return history


history = run_experiment(model)
RESULTS["history_keys"] = sorted(history.history)
for key, values in history.history.items():
    RESULTS["history_" + key] = values

_, rmse = model.evaluate(test_features, test_target, batch_size=batch_size, verbose=0)
RESULTS["test_mae"] = rmse
RESULTS["predictions"] = model.predict(test_features, batch_size=batch_size, verbose=0)[:6, 0]
RESULTS["genres_vector_after"] = model.get_layer("genres_vector").get_weights()[0][:4]
RTOL, ATOL = 1e-4, 1e-5
