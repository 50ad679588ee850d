"""keras.io examples/keras_recipes/memory_efficient_embeddings.py, on Keras 3 ops, synthetic ratings.

The baseline user/movie embedding model (``Dot(axes=1)``, ``sigmoid * 5``),
``QREmbedding`` (quotient/remainder embeddings combined by multiplication) and
``MDEmbedding`` (mixed-dimension blocks, per-block ``Dense`` projections or an
identity ``Lambda``, masks from a block lookup), trained with MSE and a named
``MeanAbsoluteError``. The example's string lookups (``StringLookup``,
``tf.lookup.StaticHashTable``) need TensorFlow: the inputs arrive as integer ids,
the vocabulary-to-block table is a constant looked up with ``ops.take`` and the
``tf.math.floordiv``/``floormod``/``tf.cast`` calls are ``keras.ops`` ones (``# harness:``).
"""

import zlib

import numpy as np
import keras
from keras import layers
from keras import ops

RESULTS = {}

# harness: synthetic MovieLens-like ratings instead of the ml-1m download
rng = np.random.RandomState(0)
num_users, num_movies, n_ratings = 40, 30, 256
user_ids = rng.randint(0, num_users, size=(n_ratings,)).astype("int32")
movie_ids = rng.randint(0, num_movies, size=(n_ratings,)).astype("int32")
ratings = rng.randint(1, 6, size=(n_ratings,)).astype("float32")
train_x = {"user_id": user_ids[:192], "movie_id": movie_ids[:192]}
train_y = ratings[:192]
eval_x = {"user_id": user_ids[192:], "movie_id": movie_ids[192:]}
eval_y = ratings[192:]

base_embedding_dim = 16  # harness: 64
learning_rate = 0.001
batch_size = 64  # harness: 128
num_epochs = 2  # harness: 3


def run_experiment(model):
    # Compile the model.
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.MeanSquaredError(),
        metrics=[keras.metrics.MeanAbsoluteError(name="mae")],
    )
    # Fit the model with the training data.
    history = model.fit(
        train_x, train_y, batch_size=batch_size, epochs=num_epochs,
        validation_data=(eval_x, eval_y), shuffle=False, verbose=0,  # harness: arrays
    )
    return history


def embedding_encoder(vocabulary_size, embedding_dim, name=None):  # harness: size, not vocabulary
    return keras.Sequential(
        [
            # harness: StringLookup(vocabulary=vocabulary, mask_token=None, num_oov_indices=...)
            # is left out: the inputs are the indices already.
            layers.Embedding(
                input_dim=vocabulary_size, output_dim=embedding_dim
            ),
        ],
        name=f"{name}_embedding" if name else None,
    )


def seed(model, seed_value):  # harness: equal initial weights, drawn per weight path
    # (MDEmbedding appends to its encoder and projector lists in turn: Keras 3 orders the
    # weights by that tracking order, keraton lists each list's layers together; the paths agree)
    model.set_weights([
        np.random.RandomState(seed_value + zlib.crc32(w.path.encode()) % 1000).normal(
            0, 0.3, w.shape).astype("float32") for w in model.weights])


def record(tag, model, history):  # harness:
    RESULTS[f"{tag}_count_params"] = model.count_params()
    RESULTS[f"{tag}_weight_shapes"] = sorted(f"{w.path} {tuple(w.shape)}" for w in model.weights)
    RESULTS[f"{tag}_history_keys"] = sorted(history.history)
    for key in ("loss", "mae", "val_loss", "val_mae"):
        RESULTS[f"{tag}_{key}"] = history.history[key]
    RESULTS[f"{tag}_pred"] = model.predict({k: v[:4] for k, v in eval_x.items()}, verbose=0)


"""
## Experiment 1: baseline collaborative filtering model
"""


def create_baseline_model():
    # Receive the user as an input.
    user_input = layers.Input(name="user_id", shape=(), dtype="int32")  # harness: "string"
    # Get user embedding.
    user_embedding = embedding_encoder(
        vocabulary_size=num_users, embedding_dim=base_embedding_dim, name="user"
    )(user_input)

    # Receive the movie as an input.
    movie_input = layers.Input(name="movie_id", shape=(), dtype="int32")  # harness: "string"
    # Get embedding.
    movie_embedding = embedding_encoder(
        vocabulary_size=num_movies, embedding_dim=base_embedding_dim, name="movie"
    )(movie_input)

    # Compute dot product similarity between user and movie embeddings.
    logits = layers.Dot(axes=1, name="dot_similarity")(
        [user_embedding, movie_embedding]
    )
    # Convert to rating scale.
    prediction = keras.activations.sigmoid(logits) * 5
    # Create the model.
    model = keras.Model(
        inputs=[user_input, movie_input], outputs=prediction, name="baseline_model"
    )
    return model


baseline_model = create_baseline_model()
seed(baseline_model, 1)  # harness:
history = run_experiment(baseline_model)
record("baseline", baseline_model, history)

"""
## Implementing Quotient-Remainder embedding as a layer
"""


class QREmbedding(keras.layers.Layer):
    def __init__(self, vocabulary_size, embedding_dim, num_buckets, name=None):  # harness: size
        super().__init__(name=name)
        self.num_buckets = num_buckets

        self.q_embeddings = layers.Embedding(
            num_buckets,
            embedding_dim,
        )
        self.r_embeddings = layers.Embedding(
            num_buckets,
            embedding_dim,
        )

    def call(self, inputs):
        # Get the item index.
        embedding_index = inputs  # harness: self.index_lookup(inputs)
        # Get the quotient index.
        quotient_index = ops.floor_divide(embedding_index, self.num_buckets)
        # Get the reminder index.
        remainder_index = ops.mod(embedding_index, self.num_buckets)
        # Lookup the quotient_embedding using the quotient_index.
        quotient_embedding = self.q_embeddings(quotient_index)
        # Lookup the remainder_embedding using the remainder_index.
        remainder_embedding = self.r_embeddings(remainder_index)
        # Use multiplication as a combiner operation
        return quotient_embedding * remainder_embedding


"""
## Implementing Mixed Dimension embedding as a layer
"""


class MDEmbedding(keras.layers.Layer):
    def __init__(
        self, blocks_vocabulary, blocks_embedding_dims, base_embedding_dim, name=None
    ):
        super().__init__(name=name)
        self.num_blocks = len(blocks_vocabulary)

        # Create vocab to block lookup.
        keys = []
        values = []
        for block_idx, block_vocab in enumerate(blocks_vocabulary):
            keys.extend(block_vocab)
            values.extend([block_idx] * len(block_vocab))
        # harness: a dense id -> block table instead of tf.lookup.StaticHashTable
        table = np.full((max(keys) + 1,), -1, dtype="int32")
        table[keys] = values
        self.vocab_to_block = ops.convert_to_tensor(table)

        self.block_embedding_encoders = []
        self.block_embedding_projectors = []

        # Create block embedding encoders and projectors.
        for idx in range(self.num_blocks):
            embedding_dim = blocks_embedding_dims[idx]
            block_embedding_encoder = embedding_encoder(
                max(keys) + 1, embedding_dim  # harness: ids are global, not per-block
            )
            self.block_embedding_encoders.append(block_embedding_encoder)
            if embedding_dim == base_embedding_dim:
                self.block_embedding_projectors.append(layers.Lambda(lambda x: x))
            else:
                self.block_embedding_projectors.append(
                    layers.Dense(units=base_embedding_dim)
                )

    def call(self, inputs):
        # Get block index for each input item.
        block_indicies = ops.take(self.vocab_to_block, inputs)  # harness: .lookup(inputs)
        # Initialize output embeddings to zeros.
        embeddings = ops.zeros(shape=(ops.shape(inputs)[0], base_embedding_dim))
        # Generate embeddings from blocks.
        for idx in range(self.num_blocks):
            # Lookup embeddings from the current block.
            block_embeddings = self.block_embedding_encoders[idx](inputs)
            # Project embeddings to base_embedding_dim.
            block_embeddings = self.block_embedding_projectors[idx](block_embeddings)
            # Create a mask to filter out embeddings of items that do not belong to the current block.
            mask = ops.expand_dims(ops.cast(block_indicies == idx, "float32"), 1)
            # Set the embeddings for the items not belonging to the current block to zeros.
            block_embeddings = block_embeddings * mask
            # Add the block embeddings to the final embeddings.
            embeddings += block_embeddings

        return embeddings


"""
## Experiment 2: memory-efficient model
"""

# harness: movies split into frequency blocks by id
movie_frequencies = np.bincount(movie_ids, minlength=num_movies)
sorted_movies = list(np.argsort(-movie_frequencies, kind="stable"))
movie_blocks_vocabulary = [
    [int(m) for m in sorted_movies[:10]],
    [int(m) for m in sorted_movies[10:20]],
    [int(m) for m in sorted_movies[20:]],
]
movie_blocks_embedding_dims = [16, 8, 4]  # harness: [64, 32, 16]
user_embedding_num_buckets = 8  # harness: len(user_vocabulary) // 50


def create_memory_efficient_model():
    # Take the user as an input.
    user_input = layers.Input(name="user_id", shape=(), dtype="int32")  # harness: "string"
    # Get user embedding.
    user_embedding = QREmbedding(
        vocabulary_size=num_users,
        embedding_dim=base_embedding_dim,
        num_buckets=user_embedding_num_buckets,
        name="user_embedding",
    )(user_input)

    # Take the movie as an input.
    movie_input = layers.Input(name="movie_id", shape=(), dtype="int32")  # harness: "string"
    # Get embedding.
    movie_embedding = MDEmbedding(
        blocks_vocabulary=movie_blocks_vocabulary,
        blocks_embedding_dims=movie_blocks_embedding_dims,
        base_embedding_dim=base_embedding_dim,
        name="movie_embedding",
    )(movie_input)

    # Compute dot product similarity between user and movie embeddings.
    logits = layers.Dot(axes=1, name="dot_similarity")(
        [user_embedding, movie_embedding]
    )
    # Convert to rating scale.
    prediction = keras.activations.sigmoid(logits) * 5
    # Create the model.
    model = keras.Model(
        inputs=[user_input, movie_input], outputs=prediction, name="baseline_model"
    )
    return model


memory_efficient_model = create_memory_efficient_model()
seed(memory_efficient_model, 2)  # harness:
history = run_experiment(memory_efficient_model)
record("efficient", memory_efficient_model, history)
RESULTS["md_layer_n_weights"] = len(memory_efficient_model.get_layer("movie_embedding").weights)
RESULTS["qr_out"] = ops.convert_to_numpy(
    memory_efficient_model.get_layer("user_embedding")(np.array([0, 9, 17, 39])))[:, :4]
RTOL = 2e-4
