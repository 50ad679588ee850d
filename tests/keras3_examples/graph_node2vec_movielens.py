"""keras.io example "Graph representation learning with node2vec" (examples/graph/node2vec_movielens.py).

The movies graph built with networkx from co-ratings (PMI edge weights), the
biased (p, q) random walk, skip-gram positive/negative examples with weights,
and the skip-gram model: a dict of two scalar ``Input(shape=(), dtype="int32")``
sharing one ``Embedding`` (``he_normal``, ``l2`` regulariser) joined by
``layers.Dot(axes=1)``, trained with ``BinaryCrossentropy(from_logits=True)``
and per-example sample weights; then cosine similarities of the learnt
embeddings with ``keras.ops`` (``normalize``/``matmul``/``top_k``). Synthetic
ratings DataFrame (no download); walks from seeded generators; the removed
``keras.preprocessing.sequence.skipgrams`` is a seeded numpy stand-in; the
``tf.data`` pipeline is a dict of numpy arrays with ``sample_weight``
(``# harness:``). Small sizes.
"""

import math
import random
from collections import defaultdict

import networkx as nx
import numpy as np
import pandas as pd
import keras
from keras import layers

RESULTS = {}
rng = np.random.RandomState(0)  # harness: synthetic MovieLens

# harness: synthetic stand-ins for ml-latest-small/movies.csv and ratings.csv
n_movies, n_users = 24, 40
movies = pd.DataFrame({"movieId": np.arange(1, n_movies + 1),
                       "title": [f"Movie {i} ({1970 + i})" for i in range(1, n_movies + 1)]})
# Create a `movieId` string.
movies["movieId"] = movies["movieId"].apply(lambda x: f"movie_{x}")

user_ids, movie_ids, rating_values = [], [], []
for user in range(1, n_users + 1):  # harness: each user rates a few movies of one "taste" group
    group = user % 3
    for m in rng.choice(np.arange(group * 8 + 1, group * 8 + 9), size=5, replace=False):
        user_ids.append(user)
        movie_ids.append(int(m))
        rating_values.append(float(rng.choice([3.0, 4.0, 5.0, 5.0])))
ratings = pd.DataFrame({"userId": user_ids, "movieId": movie_ids, "rating": rating_values})
# Convert the `ratings` to floating point
ratings["rating"] = ratings["rating"].apply(lambda x: float(x))
# Create the `movie_id` string.
ratings["movieId"] = ratings["movieId"].apply(lambda x: f"movie_{x}")


def get_movie_title_by_id(movieId):
    return list(movies[movies.movieId == movieId].title)[0]


def get_movie_id_by_title(title):
    return list(movies[movies.title == title].movieId)[0]


# Step 1: create the weighted edges between movies.
min_rating = 5
pair_frequency = defaultdict(int)
item_frequency = defaultdict(int)

# Filter instances where rating is greater than or equal to min_rating.
rated_movies = ratings[ratings.rating >= min_rating]
# Group instances by user.
movies_grouped_by_users = list(rated_movies.groupby("userId"))
for group in movies_grouped_by_users:  # harness: tqdm dropped
    # Get a list of movies rated by the user.
    current_movies = list(group[1]["movieId"])

    for i in range(len(current_movies)):
        item_frequency[current_movies[i]] += 1
        for j in range(i + 1, len(current_movies)):
            x = min(current_movies[i], current_movies[j])
            y = max(current_movies[i], current_movies[j])
            pair_frequency[(x, y)] += 1

# Step 2: create the graph with the nodes and the edges
min_weight = 2  # harness: 10 (a small graph)
D = math.log(sum(item_frequency.values()))

# Create the movies undirected graph.
movies_graph = nx.Graph()
# Add weighted edges between movies.
# This automatically adds the movie nodes to the graph.
for pair in pair_frequency:  # harness: tqdm dropped
    x, y = pair
    xy_frequency = pair_frequency[pair]
    x_frequency = item_frequency[x]
    y_frequency = item_frequency[y]
    pmi = math.log(xy_frequency) - math.log(x_frequency) - math.log(y_frequency) + D
    weight = pmi * xy_frequency
    # Only include edges with weight >= min_weight.
    if weight >= min_weight:
        movies_graph.add_edge(x, y, weight=weight)

RESULTS["graph_nodes"] = movies_graph.number_of_nodes()
RESULTS["graph_edges"] = movies_graph.number_of_edges()
degrees = []
for node in movies_graph.nodes:
    degrees.append(movies_graph.degree[node])
RESULTS["average_degree"] = round(sum(degrees) / len(degrees), 2)

# Step 3: Create vocabulary and a mapping from tokens to integer indices
vocabulary = ["NA"] + list(movies_graph.nodes)
vocabulary_lookup = {token: idx for idx, token in enumerate(vocabulary)}


def next_step(graph, previous, current, p, q):
    neighbors = list(graph.neighbors(current))

    weights = []
    # Adjust the weights of the edges to the neighbors with respect to p and q.
    for neighbor in neighbors:
        if neighbor == previous:
            # Control the probability to return to the previous node.
            weights.append(graph[current][neighbor]["weight"] / p)
        elif graph.has_edge(neighbor, previous):
            # The probability of visiting a local node.
            weights.append(graph[current][neighbor]["weight"])
        else:
            # Control the probability to move forward.
            weights.append(graph[current][neighbor]["weight"] / q)

    # Compute the probabilities of visiting each neighbor.
    weight_sum = sum(weights)
    probabilities = [weight / weight_sum for weight in weights]
    # Probabilistically select a neighbor to visit.
    next = np.random.choice(neighbors, size=1, p=probabilities)[0]
    return next


def random_walk(graph, num_walks, num_steps, p, q):
    walks = []
    nodes = list(graph.nodes())
    # Perform multiple iterations of the random walk.
    for walk_iteration in range(num_walks):
        random.shuffle(nodes)

        for node in nodes:  # harness: tqdm dropped
            # Start the walk with a random node from the graph.
            walk = [node]
            # Randomly walk for num_steps.
            while len(walk) < num_steps:
                current = walk[-1]
                previous = walk[-2] if len(walk) > 1 else None
                # Compute the next node to visit.
                next = next_step(graph, previous, current, p, q)
                walk.append(next)
            # Replace node ids (movie ids) in the walk with token ids.
            walk = [vocabulary_lookup[token] for token in walk]
            # Add the walk to the generated sequence.
            walks.append(walk)

    return walks


# Random walk return parameter.
p = 1
# Random walk in-out parameter.
q = 1
# Number of iterations of random walks.
num_walks = 2  # harness: 5
# Number of steps of each random walk.
num_steps = 6  # harness: 10
random.seed(1)  # harness: seeded walks
np.random.seed(2)  # harness:
walks = random_walk(movies_graph, num_walks, num_steps, p, q)
RESULTS["num_walks"] = len(walks)
RESULTS["first_walk"] = walks[0]

_skipgram_rng = np.random.RandomState(3)  # harness:


def skipgrams(sequence, vocabulary_size, window_size, negative_samples):  # harness:
    # harness: stand-in for `keras.preprocessing.sequence.skipgrams` (removed in Keras 3),
    # deterministic: all in-window pairs labelled 1, `negative_samples` random pairs per
    # positive labelled 0.
    couples, labels = [], []
    for i, wi in enumerate(sequence):
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i:
                couples.append([wi, sequence[j]])
                labels.append(1)
    n_neg = int(len(labels) * negative_samples)
    words = [c[0] for c in couples]
    for k in range(n_neg):
        couples.append([words[k % len(words)], int(_skipgram_rng.randint(1, vocabulary_size))])
        labels.append(0)
    return couples, labels


def generate_examples(sequences, window_size, num_negative_samples, vocabulary_size):
    example_weights = defaultdict(int)
    # Iterate over all sequences (walks).
    for sequence in sequences:  # harness: tqdm dropped
        # Generate positive and negative skip-gram pairs for a sequence (walk).
        pairs, labels = skipgrams(  # harness: keras.preprocessing.sequence.skipgrams
            sequence,
            vocabulary_size=vocabulary_size,
            window_size=window_size,
            negative_samples=num_negative_samples,
        )
        for idx in range(len(pairs)):
            pair = pairs[idx]
            label = labels[idx]
            target, context = min(pair[0], pair[1]), max(pair[0], pair[1])
            if target == context:
                continue
            entry = (target, context, label)
            example_weights[entry] += 1

    targets, contexts, labels, weights = [], [], [], []
    for entry in example_weights:
        weight = example_weights[entry]
        target, context, label = entry
        targets.append(target)
        contexts.append(context)
        labels.append(label)
        weights.append(weight)

    return np.array(targets), np.array(contexts), np.array(labels), np.array(weights)


num_negative_samples = 4
targets, contexts, labels, weights = generate_examples(
    sequences=walks,
    window_size=num_steps,
    num_negative_samples=num_negative_samples,
    vocabulary_size=len(vocabulary),
)
RESULTS["examples_shapes"] = [targets.shape[0], contexts.shape[0], labels.shape[0], weights.shape[0]]
RESULTS["positive_fraction"] = float(labels.mean())

batch_size = 64  # harness: 1024
n_batches = len(targets) // batch_size  # harness: tf.data batch(drop_remainder=True)
inputs_np = {"target": targets[: n_batches * batch_size].astype("int32"),
             "context": contexts[: n_batches * batch_size].astype("int32")}  # harness:
labels_np = labels[: n_batches * batch_size].astype("float32")  # harness:
weights_np = weights[: n_batches * batch_size].astype("float32")  # harness:

learning_rate = 0.001
embedding_dim = 8  # harness: 50
num_epochs = 3  # harness: 10


def create_model(vocabulary_size, embedding_dim):
    inputs = {
        "target": layers.Input(name="target", shape=(), dtype="int32"),
        "context": layers.Input(name="context", shape=(), dtype="int32"),
    }
    # Initialize item embeddings.
    embed_item = layers.Embedding(
        input_dim=vocabulary_size,
        output_dim=embedding_dim,
        embeddings_initializer="he_normal",
        embeddings_regularizer=keras.regularizers.l2(1e-6),
        name="item_embeddings",
    )
    # Lookup embeddings for target.
    target_embeddings = embed_item(inputs["target"])
    # Lookup embeddings for context.
    context_embeddings = embed_item(inputs["context"])
    # Compute dot similarity between target and context embeddings.
    logits = layers.Dot(axes=1, normalize=False, name="dot_similarity")(
        [target_embeddings, context_embeddings]
    )
    # Create the model.
    model = keras.Model(inputs=inputs, outputs=logits)
    return model


model = create_model(len(vocabulary), embedding_dim)
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate),
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
)
rs = np.random.RandomState(4)  # harness: equal initial weights on both sides
model.set_weights([rs.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])  # harness:
RESULTS["count_params"] = model.count_params()
RESULTS["output_shape"] = str(model.output.shape)
RESULTS["input_dtypes"] = sorted(str(t.dtype) for t in model.inputs)
RESULTS["layer_types"] = sorted(type(layer).__name__ for layer in model.layers)

history = model.fit(inputs_np, labels_np, sample_weight=weights_np, batch_size=batch_size,
                    epochs=num_epochs, shuffle=False, verbose=0)  # harness: dataset -> arrays
RESULTS["history_keys"] = sorted(history.history)
RESULTS["loss"] = history.history["loss"]
RESULTS["model_losses"] = [float(keras.ops.convert_to_numpy(v)) for v in model.losses]

movie_embeddings = model.get_layer("item_embeddings").get_weights()[0]
RESULTS["embeddings_shape"] = list(movie_embeddings.shape)

query_movies = [get_movie_title_by_id(vocabulary[1]), get_movie_title_by_id(vocabulary[5])]  # harness:
query_embeddings = []

for movie_title in query_movies:
    movieId = get_movie_id_by_title(movie_title)
    token_id = vocabulary_lookup[movieId]
    movie_embedding = movie_embeddings[token_id]
    query_embeddings.append(movie_embedding)

query_embeddings = np.array(query_embeddings)

# harness: the tf.linalg/tf.math calls written with keras.ops, as the migration guide maps them
similarities = keras.ops.matmul(
    keras.ops.normalize(query_embeddings),
    keras.ops.transpose(keras.ops.normalize(movie_embeddings)),
)
values, indices = keras.ops.top_k(similarities, k=5)
indices = keras.ops.convert_to_numpy(indices).tolist()
RESULTS["similar_values"] = keras.ops.convert_to_numpy(values)
RESULTS["similar_titles"] = [get_movie_title_by_id(vocabulary[t]) for t in indices[0][1:]
                             if t > 0]
RTOL = 1e-3
ATOL = 1e-5
