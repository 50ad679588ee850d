"""keras.io examples/graph/gnn_citations.py on Keras 3 ops, synthetic Cora-shaped graph.

The baseline: ``create_ffn`` Sequential blocks (BatchNormalization, Dropout,
Dense with gelu) with ``Add`` skip connections. The GNN: ``GraphConvLayer``
(``prepare``/``aggregate``/``update``, neighbour gathering with ``ops.take``,
``ops.segment_sum``/``segment_max`` aggregation, concat or add combination,
``ops.normalize``), a ``GNNNodeClassifier(keras.Model)`` holding the graph as
tensors and gathering the batch's node indices in ``call``; trained with
``validation_split`` and ``EarlyStopping(monitor="val_acc",
restore_best_weights=True)``. The example's ``tf.gather``/``tf.math.unsorted_
segment_*``/``tf.nn`` calls are written with ``keras.ops`` (``# harness:``).
"""

import numpy as np
import keras
from keras import layers
from keras import ops

RESULTS = {}

# harness: a synthetic citation graph of Cora's kind (binary word features, 7 subjects)
rng = np.random.RandomState(0)
num_nodes = 60
num_features = 24
num_classes = 7
num_edges = 150
node_feature_values = (rng.uniform(size=(num_nodes, num_features)) < 0.2).astype("float32")
node_subjects = rng.randint(0, num_classes, size=(num_nodes,))
citations = np.stack([rng.randint(0, num_nodes, size=num_edges),
                      rng.randint(0, num_nodes, size=num_edges)], axis=1)  # [source, target]
paper_ids = rng.permutation(num_nodes)
train_ids, test_ids = paper_ids[:45], paper_ids[45:]

"""
## Implement Train and Evaluate Experiment
"""

hidden_units = [16, 16]  # harness: [32, 32]
learning_rate = 0.01
dropout_rate = 0.0  # harness: 0.5 (randomness would reach the results)
num_epochs = 3  # harness: 300
batch_size = 16  # harness: 256


def run_experiment(model, x_train, y_train):
    # Compile the model.
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
    )
    # Create an early stopping callback.
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_acc", patience=50, restore_best_weights=True
    )
    # Fit the model.
    history = model.fit(
        x=x_train,
        y=y_train,
        epochs=num_epochs,
        batch_size=batch_size,
        validation_split=0.15,
        callbacks=[early_stopping],
        shuffle=False,  # harness:
        verbose=0,  # harness:
    )

    return history


"""
## Implement Feedforward Network (FFN) Module
"""


def create_ffn(hidden_units, dropout_rate, name=None):
    fnn_layers = []

    for units in hidden_units:
        fnn_layers.append(layers.BatchNormalization())
        fnn_layers.append(layers.Dropout(dropout_rate))
        fnn_layers.append(layers.Dense(units, activation=keras.activations.gelu))  # harness: tf.nn.gelu

    return keras.Sequential(fnn_layers, name=name)


def seed(model, seed_value):  # harness: equal initial weights (positive BatchNormalization variance)
    rs = np.random.RandomState(seed_value)
    model.set_weights([
        rs.uniform(0.5, 1.5, w.shape).astype("float32")
        if "moving_variance" in w.path or "gamma" in w.path
        else rs.normal(0, 0.3, w.shape).astype("float32") for w in model.weights])


def record(tag, model, history, x_test, y_test):  # harness:
    RESULTS[f"{tag}_count_params"] = model.count_params()
    RESULTS[f"{tag}_history_keys"] = sorted(history.history)
    for key in ("loss", "acc", "val_loss", "val_acc"):
        RESULTS[f"{tag}_{key}"] = history.history[key]
    RESULTS[f"{tag}_evaluate"] = model.evaluate(x=x_test, y=y_test, verbose=0)
    RESULTS[f"{tag}_logits"] = model.predict(x_test[:3], verbose=0)


"""
## Build a Baseline Neural Network Model
"""

x_train = node_feature_values[train_ids]
x_test = node_feature_values[test_ids]
y_train = node_subjects[train_ids]
y_test = node_subjects[test_ids]


def create_baseline_model(hidden_units, num_classes, dropout_rate=0.2):
    inputs = layers.Input(shape=(num_features,), name="input_features")
    x = create_ffn(hidden_units, dropout_rate, name="ffn_block1")(inputs)
    for block_idx in range(4):
        # Create an FFN block.
        x1 = create_ffn(hidden_units, dropout_rate, name=f"ffn_block{block_idx + 2}")(x)
        # Add skip connection.
        x = layers.Add(name=f"skip_connection{block_idx + 2}")([x, x1])
    # Compute logits.
    logits = layers.Dense(num_classes, name="logits")(x)
    # Create the model.
    return keras.Model(inputs=inputs, outputs=logits, name="baseline")


baseline_model = create_baseline_model(hidden_units, num_classes, dropout_rate)
seed(baseline_model, 1)  # harness:
history = run_experiment(baseline_model, x_train, y_train)
record("baseline", baseline_model, history, x_test, y_test)
RESULTS["baseline_layer_names"] = [layer.name for layer in baseline_model.layers]

"""
## Prepare the data for the graph model
"""

# Create an edges array (sparse adjacency matrix) of shape [2, num_edges].
edges = citations.T
# Create an edge weights array of ones.
edge_weights = ops.ones(shape=edges.shape[1])
# Create a node features array of shape [num_nodes, num_features].
node_features = ops.convert_to_tensor(node_feature_values, dtype="float32")
# Create graph info tuple with node_features, edges, and edge_weights.
graph_info = (node_features, edges, edge_weights)

"""
## Implement a graph convolution layer
"""


class GraphConvLayer(layers.Layer):
    def __init__(
        self,
        hidden_units,
        dropout_rate=0.2,
        aggregation_type="mean",
        combination_type="concat",
        normalize=False,
        *args,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)

        self.aggregation_type = aggregation_type
        self.combination_type = combination_type
        self.normalize = normalize

        self.ffn_prepare = create_ffn(hidden_units, dropout_rate)
        self.update_fn = create_ffn(hidden_units, dropout_rate)

    def prepare(self, node_repesentations, weights=None):
        # node_repesentations shape is [num_edges, embedding_dim].
        messages = self.ffn_prepare(node_repesentations)
        if weights is not None:
            messages = messages * ops.expand_dims(weights, -1)
        return messages

    def aggregate(self, node_indices, neighbour_messages, node_repesentations):
        # node_indices shape is [num_edges].
        # neighbour_messages shape: [num_edges, representation_dim].
        # node_repesentations shape is [num_nodes, representation_dim]
        num_nodes = node_repesentations.shape[0]
        if self.aggregation_type == "sum":
            aggregated_message = ops.segment_sum(
                neighbour_messages, node_indices, num_segments=num_nodes
            )
        elif self.aggregation_type == "mean":
            # harness: tf.math.unsorted_segment_mean as a sum over counts
            counts = ops.segment_sum(
                ops.ones_like(neighbour_messages[:, :1]), node_indices, num_segments=num_nodes
            )
            aggregated_message = ops.segment_sum(
                neighbour_messages, node_indices, num_segments=num_nodes
            ) / ops.maximum(counts, 1.0)
        elif self.aggregation_type == "max":
            aggregated_message = ops.segment_max(
                neighbour_messages, node_indices, num_segments=num_nodes
            )
        else:
            raise ValueError(f"Invalid aggregation type: {self.aggregation_type}.")

        return aggregated_message

    def update(self, node_repesentations, aggregated_messages):
        # node_repesentations shape is [num_nodes, representation_dim].
        # aggregated_messages shape is [num_nodes, representation_dim].
        if self.combination_type == "concat":
            # Concatenate the node_repesentations and aggregated_messages.
            h = ops.concatenate([node_repesentations, aggregated_messages], axis=1)
        elif self.combination_type == "add":
            # Add node_repesentations and aggregated_messages.
            h = node_repesentations + aggregated_messages
        else:
            raise ValueError(f"Invalid combination type: {self.combination_type}.")

        # Apply the processing function.
        node_embeddings = self.update_fn(h)

        if self.normalize:
            node_embeddings = ops.normalize(node_embeddings, axis=-1)  # harness: tf.nn.l2_normalize
        return node_embeddings

    def call(self, inputs):
        """Process the inputs to produce the node_embeddings.

        inputs: a tuple of three elements: node_repesentations, edges, edge_weights.
        Returns: node_embeddings of shape [num_nodes, representation_dim].
        """

        node_repesentations, edges, edge_weights = inputs
        # Get node_indices (source) and neighbour_indices (target) from edges.
        node_indices, neighbour_indices = edges[0], edges[1]
        # neighbour_repesentations shape is [num_edges, representation_dim].
        neighbour_repesentations = ops.take(node_repesentations, neighbour_indices, axis=0)

        # Prepare the messages of the neighbours.
        neighbour_messages = self.prepare(neighbour_repesentations, edge_weights)
        # Aggregate the neighbour messages.
        aggregated_messages = self.aggregate(
            node_indices, neighbour_messages, node_repesentations
        )
        # Update the node embedding with the neighbour messages.
        return self.update(node_repesentations, aggregated_messages)


"""
## Implement a graph neural network node classifier
"""


class GNNNodeClassifier(keras.Model):
    def __init__(
        self,
        graph_info,
        num_classes,
        hidden_units,
        aggregation_type="sum",
        combination_type="concat",
        dropout_rate=0.2,
        normalize=True,
        *args,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)

        # Unpack graph_info to three elements: node_features, edges, and edge_weight.
        node_features, edges, edge_weights = graph_info
        self.node_features = node_features
        self.edges = edges
        self.edge_weights = edge_weights
        # Set edge_weights to ones if not provided.
        if self.edge_weights is None:
            self.edge_weights = ops.ones(shape=edges.shape[1])
        # Scale edge_weights to sum to 1.
        self.edge_weights = self.edge_weights / ops.sum(self.edge_weights)

        # Create a process layer.
        self.preprocess = create_ffn(hidden_units, dropout_rate, name="preprocess")
        # Create the first GraphConv layer.
        self.conv1 = GraphConvLayer(
            hidden_units,
            dropout_rate,
            aggregation_type,
            combination_type,
            normalize,
            name="graph_conv1",
        )
        # Create the second GraphConv layer.
        self.conv2 = GraphConvLayer(
            hidden_units,
            dropout_rate,
            aggregation_type,
            combination_type,
            normalize,
            name="graph_conv2",
        )
        # Create a postprocess layer.
        self.postprocess = create_ffn(hidden_units, dropout_rate, name="postprocess")
        # Create a compute logits layer.
        self.compute_logits = layers.Dense(units=num_classes, name="logits")

    # harness: `training=None` added. Keras 3.15 (torch) strips `training` from the call of a
    # model whose `call` does not take it and then runs its sublayers in inference mode during
    # fit (BatchNormalization neither uses batch statistics nor updates its moving averages);
    # keraton propagates training=True, as tf.keras does for this example. With the argument
    # in the signature both libraries train the BatchNormalization layers.
    def call(self, input_node_indices, training=None):  # harness:
        # Preprocess the node_features to produce node representations.
        x = self.preprocess(self.node_features)
        # Apply the first graph conv layer.
        x1 = self.conv1((x, self.edges, self.edge_weights))
        # Skip connection.
        x = x1 + x
        # Apply the second graph conv layer.
        x2 = self.conv2((x, self.edges, self.edge_weights))
        # Skip connection.
        x = x2 + x
        # Postprocess node embedding.
        x = self.postprocess(x)
        # harness: keraton's fit/predict give a model without Input layers 1-D x as (n, 1)
        # (tf.keras 2's expand_1d); Keras 3 passes (n,). Flattening makes both the same.
        input_node_indices = ops.reshape(input_node_indices, (-1,))  # harness:
        # Fetch node embeddings for the input node_indices.
        node_embeddings = ops.take(x, input_node_indices, axis=0)  # harness: tf.gather
        # Compute logits
        return self.compute_logits(node_embeddings)


gnn_model = GNNNodeClassifier(
    graph_info=graph_info,
    num_classes=num_classes,
    hidden_units=hidden_units,
    dropout_rate=dropout_rate,
    name="gnn_model",
)

print("GNN output shape:", gnn_model(np.array([1, 10, 40])).shape)  # harness: array (Keras 3 refuses a list of ints), ids < num_nodes
seed(gnn_model, 2)  # harness:
RESULTS["gnn_first_call"] = ops.convert_to_numpy(gnn_model(np.array([1, 10, 40])))
RESULTS["gnn_weight_paths"] = [w.path for w in gnn_model.weights]

x_train = train_ids
y_train = node_subjects[train_ids]
history = run_experiment(gnn_model, x_train, y_train)
record("gnn", gnn_model, history, test_ids, node_subjects[test_ids])

# harness: the layer's other aggregation and combination types on the same graph
node_repr = np.random.RandomState(3).normal(size=(num_nodes, 16)).astype("float32")
for aggregation_type, combination_type in [("mean", "add"), ("max", "concat")]:
    layer = GraphConvLayer([16], 0.0, aggregation_type, combination_type, normalize=False)
    out = layer((node_repr, edges, edge_weights), training=False)
    seed(layer, 4)
    out = layer((node_repr, edges, edge_weights), training=False)
    RESULTS[f"conv_{aggregation_type}_{combination_type}"] = ops.convert_to_numpy(out)[:5]
RTOL = 3e-4
ATOL = 2e-5
