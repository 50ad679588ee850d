"""keras.io guide "The Functional API" (guides/functional_api.py), Keras 3.

MNIST MLP with fit/evaluate/save/load, the convolutional autoencoder (encoder and
decoder as nested models), model ensembling with ``layers.average``, the
multi-input multi-output ticket classifier (Embedding/LSTM/concatenate, a loss
list with ``loss_weights`` and the same by name), the toy ResNet with
``layers.add``, shared layers, feature extraction from ``layer.output``, a
custom layer with ``get_config`` through ``Model.from_config``, and a
subclassed RNN mixed with functional models. Synthetic data, small sizes.
"""

import numpy as np
import keras
from keras import layers, ops

rng = np.random.RandomState(0)


def seed_weights(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])


RESULTS = {}

# --- When to use the functional API / training, evaluation, inference
inputs = keras.Input(shape=(784,))
dense = layers.Dense(64, activation="relu")
x = dense(inputs)
x = layers.Dense(64, activation="relu")(x)
outputs = layers.Dense(10)(x)
model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
RESULTS["mnist_count_params"] = model.count_params()
RESULTS["mnist_names"] = [layer.name for layer in model.layers][1:] and [type(layer).__name__ for layer in model.layers]
RESULTS["mnist_input_shape"] = str(inputs.shape)

x_train = rng.randint(0, 256, size=(60, 28, 28)).astype("uint8")
y_train = rng.randint(0, 10, size=(60,)).astype("uint8")
x_test = rng.randint(0, 256, size=(20, 28, 28)).astype("uint8")
y_test = rng.randint(0, 10, size=(20,)).astype("uint8")
x_train = x_train.reshape(60, 784).astype("float32") / 255
x_test = x_test.reshape(20, 784).astype("float32") / 255

seed_weights(model, 1)  # harness:
model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=keras.optimizers.RMSprop(),
    metrics=["accuracy"],
)
history = model.fit(x_train, y_train, batch_size=16, epochs=2, validation_split=0.2,
                    shuffle=False, verbose=0)  # harness: shuffle=False
test_scores = model.evaluate(x_test, y_test, verbose=0)
RESULTS["mnist_history_keys"] = sorted(history.history)
for k, v in history.history.items():
    RESULTS["mnist_hist_" + k] = v
RESULTS["mnist_test_scores"] = test_scores

model.save("my_model.keras")
preds_before = model.predict(x_test, verbose=0)
del model
model = keras.models.load_model("my_model.keras")
RESULTS["mnist_reload_preds"] = model.predict(x_test, verbose=0)
RESULTS["mnist_reload_diff"] = float(np.abs(RESULTS["mnist_reload_preds"] - preds_before).max())
RESULTS["mnist_reload_name"] = model.name
RESULTS["mnist_reload_eval"] = model.evaluate(x_test, y_test, verbose=0)

# --- Use the same graph of layers to define multiple models
encoder_input = keras.Input(shape=(28, 28, 1), name="img")
x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.MaxPooling2D(3)(x)
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.Conv2D(16, 3, activation="relu")(x)
encoder_output = layers.GlobalMaxPooling2D()(x)
encoder = keras.Model(encoder_input, encoder_output, name="encoder")

x = layers.Reshape((4, 4, 1))(encoder_output)
x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
x = layers.UpSampling2D(3)(x)
x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)
autoencoder = keras.Model(encoder_input, decoder_output, name="autoencoder")
RESULTS["ae1_count_params"] = autoencoder.count_params()
RESULTS["ae1_output_shapes"] = [str(layer.output.shape) for layer in autoencoder.layers]
RESULTS["ae1_encoder_params"] = encoder.count_params()

# --- All models are callable, just like layers
encoder_input = keras.Input(shape=(28, 28, 1), name="original_img")
x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.MaxPooling2D(3)(x)
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.Conv2D(16, 3, activation="relu")(x)
encoder_output = layers.GlobalMaxPooling2D()(x)
encoder = keras.Model(encoder_input, encoder_output, name="encoder")

decoder_input = keras.Input(shape=(16,), name="encoded_img")
x = layers.Reshape((4, 4, 1))(decoder_input)
x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
x = layers.UpSampling2D(3)(x)
x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)
decoder = keras.Model(decoder_input, decoder_output, name="decoder")

autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
encoded_img = encoder(autoencoder_input)
decoded_img = decoder(encoded_img)
autoencoder = keras.Model(autoencoder_input, decoded_img, name="autoencoder")
seed_weights(autoencoder, 2)  # harness:
RESULTS["ae2_layer_names"] = [layer.name for layer in autoencoder.layers]
RESULTS["ae2_count_params"] = autoencoder.count_params()
imgs = rng.uniform(size=(3, 28, 28, 1)).astype("float32")
RESULTS["ae2_pred"] = autoencoder.predict(imgs, verbose=0)[:, ::4, ::4, 0]
RESULTS["ae2_encoder_pred"] = ops.convert_to_numpy(encoder(imgs))

def get_model():
    inputs = keras.Input(shape=(128,))
    outputs = layers.Dense(1)(inputs)
    return keras.Model(inputs, outputs)


model1 = get_model()
model2 = get_model()
model3 = get_model()

inputs = keras.Input(shape=(128,))
y1 = model1(inputs)
y2 = model2(inputs)
y3 = model3(inputs)
outputs = layers.average([y1, y2, y3])
ensemble_model = keras.Model(inputs=inputs, outputs=outputs)
seed_weights(ensemble_model, 3)  # harness:
RESULTS["ensemble_n_weights"] = len(ensemble_model.weights)
RESULTS["ensemble_pred"] = ensemble_model.predict(rng.normal(size=(4, 128)).astype("float32"), verbose=0)

# --- Manipulate complex graph topologies: models with multiple inputs and outputs
num_tags = 12  # Number of unique issue tags
num_words = 200  # Size of vocabulary obtained when preprocessing text data (guide: 10000)
num_departments = 4  # Number of departments for predictions

title_input = keras.Input(shape=(None,), name="title")  # Variable-length sequence of ints
body_input = keras.Input(shape=(None,), name="body")  # Variable-length sequence of ints
tags_input = keras.Input(shape=(num_tags,), name="tags")  # Binary vectors of size `num_tags`

# Embed each word in the title into a 64-dimensional vector
title_features = layers.Embedding(num_words, 16)(title_input)
# Embed each word in the text into a 64-dimensional vector
body_features = layers.Embedding(num_words, 16)(body_input)

# Reduce sequence of embedded words in the title into a single 128-dimensional vector
title_features = layers.LSTM(32)(title_features)
# Reduce sequence of embedded words in the body into a single 32-dimensional vector
body_features = layers.LSTM(8)(body_features)

# Merge all available features into a single large vector via concatenation
x = layers.concatenate([title_features, body_features, tags_input])

# Stick a logistic regression for priority prediction on top of the features
priority_pred = layers.Dense(1, name="priority")(x)
# Stick a department classifier on top of the features
department_pred = layers.Dense(num_departments, name="department")(x)

# Instantiate an end-to-end model predicting both priority and department
model = keras.Model(
    inputs=[title_input, body_input, tags_input],
    outputs={"priority": priority_pred, "department": department_pred},
)
RESULTS["ticket_count_params"] = model.count_params()
RESULTS["ticket_input_names"] = [t.name for t in model.inputs]
RESULTS["ticket_output_names"] = list(model.output_names) if hasattr(model, "output_names") else []

model.compile(
    optimizer=keras.optimizers.RMSprop(1e-3),
    loss=[
        keras.losses.BinaryCrossentropy(from_logits=True),
        keras.losses.CategoricalCrossentropy(from_logits=True),
    ],
    loss_weights=[1.0, 0.2],
)

# Dummy input data
title_data = rng.randint(num_words, size=(32, 6))
body_data = rng.randint(num_words, size=(32, 12))
tags_data = rng.randint(2, size=(32, num_tags)).astype("float32")

# Dummy target data
priority_targets = rng.random_sample(size=(32, 1))
dept_targets = rng.randint(2, size=(32, num_departments))

seed_weights(model, 4)  # harness:
h1 = model.fit(
    {"title": title_data, "body": body_data, "tags": tags_data},
    {"priority": priority_targets, "department": dept_targets},
    epochs=2,
    batch_size=16,
    shuffle=False,  # harness:
    verbose=0,
)
RESULTS["ticket_list_hist_keys"] = sorted(h1.history)
for k, v in h1.history.items():
    RESULTS["ticket_list_hist_" + k] = v

model.compile(
    optimizer=keras.optimizers.RMSprop(1e-3),
    loss={
        "priority": keras.losses.BinaryCrossentropy(from_logits=True),
        "department": keras.losses.CategoricalCrossentropy(from_logits=True),
    },
    loss_weights={"priority": 1.0, "department": 0.2},
)
seed_weights(model, 5)  # harness:
h2 = model.fit(
    {"title": title_data, "body": body_data, "tags": tags_data},
    {"priority": priority_targets, "department": dept_targets},
    epochs=2,
    batch_size=16,
    shuffle=False,  # harness:
    verbose=0,
)
RESULTS["ticket_dict_hist_keys"] = sorted(h2.history)
for k, v in h2.history.items():
    RESULTS["ticket_dict_hist_" + k] = v
out = model.predict({"title": title_data[:3], "body": body_data[:3], "tags": tags_data[:3]}, verbose=0)
RESULTS["ticket_pred_keys"] = sorted(out)
RESULTS["ticket_pred_priority"] = out["priority"]
RESULTS["ticket_pred_department"] = out["department"]
RESULTS["ticket_eval"] = model.evaluate(
    [title_data, body_data, tags_data], {"priority": priority_targets, "department": dept_targets},
    verbose=0, return_dict=True)["loss"]

# --- A toy ResNet model
inputs = keras.Input(shape=(32, 32, 3), name="img")
x = layers.Conv2D(8, 3, activation="relu")(inputs)
x = layers.Conv2D(16, 3, activation="relu")(x)
block_1_output = layers.MaxPooling2D(3)(x)

x = layers.Conv2D(16, 3, activation="relu", padding="same")(block_1_output)
x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
block_2_output = layers.add([x, block_1_output])

x = layers.Conv2D(16, 3, activation="relu", padding="same")(block_2_output)
x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
block_3_output = layers.add([x, block_2_output])

x = layers.Conv2D(16, 3, activation="relu")(block_3_output)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dense(32, activation="relu")(x)
x = layers.Dropout(0.0)(x)  # harness: rate 0.5 -> 0 (dropout randomness reaches the history)
outputs = layers.Dense(10)(x)

model = keras.Model(inputs, outputs, name="toy_resnet")
RESULTS["resnet_count_params"] = model.count_params()
RESULTS["resnet_output_shapes"] = [str(layer.output.shape) for layer in model.layers]

x_train = rng.uniform(size=(20, 32, 32, 3)).astype("float32")
y_train = keras.utils.to_categorical(rng.randint(0, 10, size=(20, 1)), 10)
seed_weights(model, 6)  # harness:
model.compile(
    optimizer=keras.optimizers.RMSprop(1e-3),
    loss=keras.losses.CategoricalCrossentropy(from_logits=True),
    metrics=["acc"],
)
h = model.fit(x_train, y_train, batch_size=8, epochs=1, validation_split=0.2,
              shuffle=False, verbose=0)  # harness: shuffle=False
RESULTS["resnet_hist_keys"] = sorted(h.history)
for k, v in h.history.items():
    RESULTS["resnet_hist_" + k] = v

# --- Shared layers
# Embedding for 1000 unique words mapped to 128-dimensional vectors
shared_embedding = layers.Embedding(1000, 128)
# Variable-length sequence of integers
text_input_a = keras.Input(shape=(None,), dtype="int32")
# Variable-length sequence of integers
text_input_b = keras.Input(shape=(None,), dtype="int32")
# Reuse the same layer to encode both inputs
encoded_input_a = shared_embedding(text_input_a)
encoded_input_b = shared_embedding(text_input_b)
shared_model = keras.Model([text_input_a, text_input_b], [encoded_input_a, encoded_input_b])
RESULTS["shared_n_weights"] = len(shared_model.weights)
RESULTS["shared_count_params"] = shared_model.count_params()
RESULTS["shared_out_shapes"] = [str(t.shape) for t in shared_model.outputs]
a, b = shared_model.predict([np.array([[1, 2, 3]]), np.array([[3, 2, 1]])], verbose=0)
RESULTS["shared_same"] = float(np.abs(a[0, 0] - b[0, 2]).max())

# --- Extract and reuse nodes in the graph of layers (VGG19 replaced by the toy ResNet)
features_list = [layer.output for layer in model.layers]
feat_extraction_model = keras.Model(inputs=model.input, outputs=features_list)
img = rng.random_sample((1, 32, 32, 3)).astype("float32")
extracted_features = feat_extraction_model(img)
RESULTS["feat_n"] = len(extracted_features)
RESULTS["feat_shapes"] = [str(tuple(f.shape)) for f in extracted_features]
RESULTS["feat_last"] = ops.convert_to_numpy(extracted_features[-1])
RESULTS["feat_mid_sum"] = float(ops.convert_to_numpy(ops.sum(extracted_features[6])))


# --- Extend the API using custom layers
class CustomDense(layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(
            shape=(self.units,), initializer="random_normal", trainable=True
        )

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {"units": self.units}


inputs = keras.Input((4,))
outputs = CustomDense(10)(inputs)

model = keras.Model(inputs, outputs)
config = model.get_config()
RESULTS["custom_dense_cfg_layers"] = [layer["class_name"] for layer in config["layers"]]

new_model = keras.Model.from_config(config, custom_objects={"CustomDense": CustomDense})
RESULTS["custom_dense_params"] = new_model.count_params()
RESULTS["custom_dense_layer_types"] = [type(layer).__name__ for layer in new_model.layers]
RESULTS["custom_dense_units"] = new_model.layers[-1].units

# --- Mix-and-match API styles
units = 32
timesteps = 10
input_dim = 5

# Define a Functional model
inputs = keras.Input((None, units))
x = layers.GlobalAveragePooling1D()(inputs)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)


class CustomRNN(layers.Layer):
    def __init__(self):
        super().__init__()
        self.units = units
        self.projection_1 = layers.Dense(units=units, activation="tanh")
        self.projection_2 = layers.Dense(units=units, activation="tanh")
        # Our previously-defined Functional model
        self.classifier = model

    def call(self, inputs):
        outputs = []
        state = ops.zeros(shape=(inputs.shape[0], self.units))
        for t in range(inputs.shape[1]):
            x = inputs[:, t, :]
            h = self.projection_1(x)
            y = h + self.projection_2(state)
            state = y
            outputs.append(y)
        features = ops.stack(outputs, axis=1)
        return self.classifier(features)


rnn_model = CustomRNN()
_ = rnn_model(ops.zeros((1, timesteps, input_dim)))
rs = np.random.RandomState(7)  # harness:
for w in rnn_model.weights:  # harness:
    w.assign(rs.normal(0, 0.3, w.shape).astype("float32"))  # harness:
RESULTS["rnn1_n_weights"] = len(rnn_model.weights)
RESULTS["rnn1_weight_shapes"] = [str(tuple(w.shape)) for w in rnn_model.weights]
RESULTS["rnn1_out"] = ops.convert_to_numpy(rnn_model(rng.normal(size=(2, timesteps, input_dim)).astype("float32")))

batch_size = 2


class CustomRNN(layers.Layer):
    def __init__(self):
        super().__init__()
        self.units = units
        self.projection_1 = layers.Dense(units=units, activation="tanh")
        self.projection_2 = layers.Dense(units=units, activation="tanh")
        self.classifier = layers.Dense(1)

    def call(self, inputs):
        outputs = []
        state = ops.zeros(shape=(inputs.shape[0], self.units))
        for t in range(inputs.shape[1]):
            x = inputs[:, t, :]
            h = self.projection_1(x)
            y = h + self.projection_2(state)
            state = y
            outputs.append(y)
        features = ops.stack(outputs, axis=1)
        return self.classifier(features)


# Note that you specify a static batch size for the inputs with the `batch_shape`
# arg, because the inner computation of `CustomRNN` requires a static batch size
# (when you create the `state` zeros tensor).
inputs = keras.Input(batch_shape=(batch_size, timesteps, input_dim))
x = layers.Conv1D(32, 3)(inputs)
outputs = CustomRNN()(x)

model = keras.Model(inputs, outputs)

rnn_model = CustomRNN()
_ = rnn_model(ops.zeros((1, 10, 5)))
seed_weights(model, 8)  # harness:
RESULTS["rnn2_out_shape"] = str(model.output.shape)
RESULTS["rnn2_count_params"] = model.count_params()
RESULTS["rnn2_pred"] = model.predict(rng.normal(size=(2, timesteps, input_dim)).astype("float32"), verbose=0)
RESULTS["rnn2_standalone_params"] = rnn_model.count_params()
