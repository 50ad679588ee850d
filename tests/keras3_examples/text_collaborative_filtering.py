"""keras.io examples/structured_data/collaborative_filtering_movielens.py (synthetic ratings)."""
import numpy as np
import keras
from keras import layers
from keras import ops

"""
## First, load the data and apply preprocessing
"""

# harness: synthetic (userId, movieId, rating) rows instead of ratings.csv, already encoded
rng = np.random.RandomState(0)
num_users = 12
num_movies = 15
n_rows = 96
user = rng.randint(0, num_users, size=n_rows)
movie = rng.randint(0, num_movies, size=n_rows)
rating = rng.choice([0.5, 1.0, 2.0, 3.0, 3.5, 4.0, 5.0], size=n_rows).astype("float32")
min_rating = min(rating)
max_rating = max(rating)
print(
    f"Number of users: {num_users}, Number of Movies: {num_movies}, "
    f"Min rating: {min_rating}, Max rating: {max_rating}"
)

"""
## Prepare training and validation data
"""
x = np.stack([user, movie], axis=1)  # harness: df[["user", "movie"]].values
# Normalize the targets between 0 and 1. Makes it easy to train.
y = np.array([(r - min_rating) / (max_rating - min_rating) for r in rating])
# Assuming training on 90% of the data and validating on 10%.
train_indices = int(0.9 * n_rows)
x_train, x_val, y_train, y_val = (
    x[:train_indices],
    x[train_indices:],
    y[:train_indices],
    y[train_indices:],
)

"""
## Create the model
"""
EMBEDDING_SIZE = 8  # harness: 50 in the original


class RecommenderNet(keras.Model):
    def __init__(self, num_users, num_movies, embedding_size, **kwargs):
        super().__init__(**kwargs)
        self.num_users = num_users
        self.num_movies = num_movies
        self.embedding_size = embedding_size
        self.user_embedding = layers.Embedding(
            num_users,
            embedding_size,
            embeddings_initializer="he_normal",
            embeddings_regularizer=keras.regularizers.l2(1e-6),
        )
        self.user_bias = layers.Embedding(num_users, 1)
        self.movie_embedding = layers.Embedding(
            num_movies,
            embedding_size,
            embeddings_initializer="he_normal",
            embeddings_regularizer=keras.regularizers.l2(1e-6),
        )
        self.movie_bias = layers.Embedding(num_movies, 1)

    def call(self, inputs):
        user_vector = self.user_embedding(inputs[:, 0])
        user_bias = self.user_bias(inputs[:, 0])
        movie_vector = self.movie_embedding(inputs[:, 1])
        movie_bias = self.movie_bias(inputs[:, 1])
        dot_user_movie = ops.tensordot(user_vector, movie_vector, 2)
        # Add all the components (including bias)
        x = dot_user_movie + user_bias + movie_bias
        # The sigmoid activation forces the rating to between 0 and 1
        return ops.nn.sigmoid(x)


model = RecommenderNet(num_users, num_movies, EMBEDDING_SIZE)
model.compile(
    loss=keras.losses.BinaryCrossentropy(),
    optimizer=keras.optimizers.Adam(learning_rate=0.01),  # harness: 0.001 in the original
)

# harness: build, then equal initial weights in both libraries
model(x_train[:2])
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])

"""
## Train the model based on the data split
"""
history = model.fit(
    x=x_train,
    y=y_train,
    batch_size=16,  # harness: 64 in the original
    epochs=3,  # harness: 5 in the original
    verbose=1,
    validation_data=(x_val, y_val),
    shuffle=False,  # harness
)

"""
## Show top 10 movie recommendations to a user
"""
user_id = 3
movies_watched_by_user = movie[user == user_id]
movies_not_watched = [m for m in range(num_movies) if m not in set(movies_watched_by_user)]
user_movie_array = np.hstack(
    ([[user_id]] * len(movies_not_watched), np.array(movies_not_watched)[:, None])
)
ratings = model.predict(user_movie_array).flatten()
top_ratings_indices = ratings.argsort()[-5:][::-1]
recommended_movie_ids = [movies_not_watched[x] for x in top_ratings_indices]

RESULTS = {
    "params": model.count_params(),
    "n_weights": len(model.weights),
    "weight_shapes": str([tuple(w.shape) for w in model.weights]),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
    "model_losses": float(ops.convert_to_numpy(ops.sum(model.losses))),
    "ratings": ratings,
    "recommended": recommended_movie_ids,
    "evaluate": model.evaluate(x_val, y_val, verbose=0),
    "call_shape": str(tuple(model(x_val[:3]).shape)),
}
