"""keras.io example "Traffic forecasting using graph neural networks and LSTM" (examples/timeseries/timeseries_traffic_forecasting.py).

The example's preprocessing in numpy (train/val/test split, z-score
normalisation, ``compute_adjacency_matrix`` from a distance matrix with
``sigma2``/``epsilon``), ``GraphInfo``, the ``GraphConv`` layer (weight from
``add_weight`` in ``__init__``, ``ops.take`` of neighbour features, segment
aggregation, "concat"/"add" combination, ``layers.Activation``) and the
``LSTMGC`` layer (``ops.transpose``/``ops.reshape`` around an ``LSTM`` and a
``Dense``), trained with RMSprop, MSE and ``EarlyStopping``. The example's
``tf.math.unsorted_segment_*`` aggregation is written with
``ops.segment_sum``/``ops.segment_max`` and the ``tf.data`` windows are made
with numpy (``# harness:``). Synthetic PeMSD7-shaped speeds, 6 roads.
"""

import typing

import numpy as np
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Data (synthetic speeds and distances; the example downloads PeMSD7)
"""

rng = np.random.RandomState(0)  # harness:
num_routes = 6  # harness: 26 selected routes
speeds_array = (60 + 5 * np.sin(np.arange(120)[:, None] / 6.0 + np.arange(num_routes))
                + rng.normal(0, 1, (120, num_routes))).astype("float32")
distances = rng.uniform(0, 8000, size=(num_routes, num_routes))
route_distances = ((distances + distances.T) / 2).astype("float32")
np.fill_diagonal(route_distances, 0)

train_size, val_size = 0.5, 0.2


def preprocess(data_array: np.ndarray, train_size: float, val_size: float):
    num_time_steps = data_array.shape[0]
    num_train, num_val = (
        int(num_time_steps * train_size),
        int(num_time_steps * val_size),
    )
    train_array = data_array[:num_train]
    mean, std = train_array.mean(axis=0), train_array.std(axis=0)

    train_array = (train_array - mean) / std
    val_array = (data_array[num_train : (num_train + num_val)] - mean) / std
    test_array = (data_array[(num_train + num_val) :] - mean) / std

    return train_array, val_array, test_array


train_array, val_array, test_array = preprocess(speeds_array, train_size, val_size)
RESULTS["split_shapes"] = [train_array.shape[0], val_array.shape[0], test_array.shape[0]]

batch_size = 8  # harness: 64
input_sequence_length = 6  # harness: 12
forecast_horizon = 3
multi_horizon = False


def create_dataset(data_array, input_sequence_length, forecast_horizon, multi_horizon=True):
    # harness: numpy windows in place of keras.utils.timeseries_dataset_from_array + tf.data
    inputs = np.expand_dims(data_array[:-forecast_horizon], axis=-1)
    offset = input_sequence_length
    target_seq_length = forecast_horizon if multi_horizon else 1
    n = data_array.shape[0] - input_sequence_length - forecast_horizon + 1
    x = np.stack([inputs[i : i + input_sequence_length] for i in range(n)])
    y = np.stack([data_array[offset + i : offset + i + target_seq_length] for i in range(n)])
    return x.astype("float32"), y.astype("float32")


x_train, y_train = create_dataset(train_array, input_sequence_length, forecast_horizon,
                                  multi_horizon=multi_horizon)
x_val, y_val = create_dataset(val_array, input_sequence_length, forecast_horizon,
                              multi_horizon=multi_horizon)
x_test, y_test = create_dataset(test_array, input_sequence_length, forecast_horizon,
                                multi_horizon=False)
RESULTS["window_shapes"] = list(x_train.shape) + list(y_train.shape)


def compute_adjacency_matrix(route_distances: np.ndarray, sigma2: float, epsilon: float):
    num_routes = route_distances.shape[0]
    route_distances = route_distances / 10000.0
    w2, w_mask = (
        route_distances * route_distances,
        np.ones([num_routes, num_routes]) - np.identity(num_routes),
    )
    return (np.exp(-w2 / sigma2) >= epsilon) * w_mask


class GraphInfo:
    def __init__(self, edges: typing.Tuple[list, list], num_nodes: int):
        self.edges = edges
        self.num_nodes = num_nodes


sigma2 = 0.1
epsilon = 0.5
adjacency_matrix = compute_adjacency_matrix(route_distances, sigma2, epsilon)
node_indices, neighbor_indices = np.where(adjacency_matrix == 1)
graph = GraphInfo(
    edges=(node_indices.tolist(), neighbor_indices.tolist()),
    num_nodes=adjacency_matrix.shape[0],
)
RESULTS["num_edges"] = len(graph.edges[0])

"""
## Network architecture
"""


class GraphConv(layers.Layer):
    def __init__(
        self,
        in_feat,
        out_feat,
        graph_info: GraphInfo,
        aggregation_type="mean",
        combination_type="concat",
        activation: typing.Optional[str] = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.in_feat = in_feat
        self.out_feat = out_feat
        self.graph_info = graph_info
        self.aggregation_type = aggregation_type
        self.combination_type = combination_type
        self.weight = self.add_weight(
            initializer=keras.initializers.GlorotUniform(),
            shape=(in_feat, out_feat),
            dtype="float32",
            trainable=True,
        )
        self.activation = layers.Activation(activation)

    def aggregate(self, neighbour_representations):
        # harness: tf.math.unsorted_segment_{sum,mean,max} written with keras.ops
        segment_ids = ops.convert_to_tensor(self.graph_info.edges[0])
        num_segments = self.graph_info.num_nodes
        if self.aggregation_type == "sum":
            return ops.segment_sum(neighbour_representations, segment_ids, num_segments=num_segments)
        if self.aggregation_type == "mean":
            total = ops.segment_sum(neighbour_representations, segment_ids, num_segments=num_segments)
            count = ops.segment_sum(ops.ones_like(neighbour_representations), segment_ids,
                                    num_segments=num_segments)
            return ops.divide_no_nan(total, count)
        if self.aggregation_type == "max":
            return ops.segment_max(neighbour_representations, segment_ids, num_segments=num_segments)
        raise ValueError(f"Invalid aggregation type: {self.aggregation_type}")

    def compute_nodes_representation(self, features):
        """Computes each node's representation.

        The nodes' representations are obtained by multiplying the features tensor with
        `self.weight`. Note that
        `self.weight` has shape `(in_feat, out_feat)`.
        """
        return ops.matmul(features, self.weight)

    def compute_aggregated_messages(self, features):
        neighbour_representations = ops.take(features, self.graph_info.edges[1], axis=0)
        aggregated_messages = self.aggregate(neighbour_representations)
        return ops.matmul(aggregated_messages, self.weight)

    def update(self, nodes_representation, aggregated_messages):
        if self.combination_type == "concat":
            h = ops.concatenate([nodes_representation, aggregated_messages], axis=-1)
        elif self.combination_type == "add":
            h = nodes_representation + aggregated_messages
        else:
            raise ValueError(f"Invalid combination type: {self.combination_type}.")
        return self.activation(h)

    def call(self, features):
        """Forward pass.

        Args:
            features: tensor of shape `(num_nodes, batch_size, input_seq_len, in_feat)`

        Returns:
            A tensor of shape `(num_nodes, batch_size, input_seq_len, out_feat)`
        """
        nodes_representation = self.compute_nodes_representation(features)
        aggregated_messages = self.compute_aggregated_messages(features)
        return self.update(nodes_representation, aggregated_messages)


class LSTMGC(layers.Layer):
    """Layer comprising a convolution layer followed by LSTM and dense layers."""

    def __init__(
        self,
        in_feat,
        out_feat,
        lstm_units: int,
        input_seq_len: int,
        output_seq_len: int,
        graph_info: GraphInfo,
        graph_conv_params: typing.Optional[dict] = None,
        **kwargs,
    ):
        super().__init__(**kwargs)

        # graph conv layer
        if graph_conv_params is None:
            graph_conv_params = {
                "aggregation_type": "mean",
                "combination_type": "concat",
                "activation": None,
            }
        self.graph_conv = GraphConv(in_feat, out_feat, graph_info, **graph_conv_params)

        self.lstm = layers.LSTM(lstm_units, activation="relu")
        self.dense = layers.Dense(output_seq_len)

        self.input_seq_len, self.output_seq_len = input_seq_len, output_seq_len

    def call(self, inputs):
        """Forward pass.

        Args:
            inputs: tensor of shape `(batch_size, input_seq_len, num_nodes, in_feat)`

        Returns:
            A tensor of shape `(batch_size, output_seq_len, num_nodes)`.
        """

        # convert shape to  (num_nodes, batch_size, input_seq_len, in_feat)
        inputs = ops.transpose(inputs, [2, 0, 1, 3])

        gcn_out = self.graph_conv(
            inputs
        )  # gcn_out has shape: (num_nodes, batch_size, input_seq_len, out_feat)
        shape = ops.shape(gcn_out)
        num_nodes, batch_size, input_seq_len, out_feat = (
            shape[0],
            shape[1],
            shape[2],
            shape[3],
        )

        # LSTM takes only 3D tensors as input
        gcn_out = ops.reshape(gcn_out, (batch_size * num_nodes, input_seq_len, out_feat))
        lstm_out = self.lstm(
            gcn_out
        )  # lstm_out has shape: (batch_size * num_nodes, lstm_units)

        dense_output = self.dense(
            lstm_out
        )  # dense_output has shape: (batch_size * num_nodes, output_seq_len)
        output = ops.reshape(dense_output, (num_nodes, batch_size, self.output_seq_len))
        return ops.transpose(
            output, [1, 2, 0]
        )  # returns Tensor of shape (batch_size, output_seq_len, num_nodes)


"""
## Model training
"""

in_feat = 1
batch_size = 8  # harness: 64
epochs = 3  # harness: 20
input_sequence_length = 6  # harness: 12
forecast_horizon = 3
multi_horizon = False
out_feat = 4  # harness: 10
lstm_units = 8  # harness: 64
graph_conv_params = {
    "aggregation_type": "mean",
    "combination_type": "concat",
    "activation": None,
}

st_gcn = LSTMGC(
    in_feat,
    out_feat,
    lstm_units,
    input_sequence_length,
    forecast_horizon,
    graph,
    graph_conv_params,
)
inputs = layers.Input((input_sequence_length, graph.num_nodes, in_feat))
outputs = st_gcn(inputs)

model = keras.models.Model(inputs, outputs)
rs = np.random.RandomState(1)  # harness: equal initial weights on both sides
model.set_weights([rs.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])
RESULTS["params"] = model.count_params()
RESULTS["output_shape"] = str(tuple(outputs.shape))
# harness: shapes from get_weights(): keraton keeps the LSTM kernels in torch's layout, so
# `w.shape` of model.weights shows (4*units, input_dim) there (documented in keraton.variables)
RESULTS["weight_shapes"] = [str(w.shape) for w in model.get_weights()]
RESULTS["weight_names"] = [w.name for w in model.weights]

model.compile(
    optimizer=keras.optimizers.RMSprop(learning_rate=0.002),  # harness: 0.0002
    loss=keras.losses.MeanSquaredError(),
)
h = model.fit(
    x_train, y_train,  # harness: numpy windows for the tf.data datasets
    batch_size=batch_size,
    validation_data=(x_val, y_val),
    epochs=epochs,
    callbacks=[keras.callbacks.EarlyStopping(patience=10)],
    shuffle=False, verbose=0,  # harness:
)
RESULTS["hist_keys"] = sorted(h.history)
RESULTS["loss"] = h.history["loss"]
RESULTS["val_loss"] = h.history["val_loss"]

"""
## Making forecasts on test set
"""

y_pred = model.predict(x_test, verbose=0)
plot_idx = 0
RESULTS["pred_shape"] = list(y_pred.shape)
RESULTS["pred"] = y_pred[:, 0, :]
naive_mse, model_mse = (
    np.square(x_test[:, -1, :, 0] - y_test[:, 0, :]).mean(),
    np.square(y_pred[:, 0, :] - y_test[:, 0, :]).mean(),
)
RESULTS["naive_mse"] = float(naive_mse)
RESULTS["model_mse"] = float(model_mse)

# The other aggregation / combination settings of GraphConv, on a fixed feature tensor.
features = ops.convert_to_tensor(rng.normal(0, 1, (graph.num_nodes, 2, 3, 1)).astype("float32"))
for agg, comb in [("sum", "add"), ("max", "concat"), ("mean", "add")]:
    conv = GraphConv(1, 3, graph, aggregation_type=agg, combination_type=comb, activation="relu")
    conv.set_weights([np.linspace(-1, 1, 3, dtype="float32").reshape(1, 3)])  # harness:
    RESULTS[f"graphconv_{agg}_{comb}"] = ops.convert_to_numpy(conv(features))[:, 0, :, :]
RTOL, ATOL = 1e-4, 1e-5
