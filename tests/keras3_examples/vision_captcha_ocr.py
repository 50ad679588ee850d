"""keras.io examples/vision/captcha_ocr.py: CNN + BiLSTM OCR trained with a CTC loss added by a layer.

Synthetic grey captcha images (200x50 shrunk to 16x8) with 3-character labels.
The example's ``ctc_batch_cost`` (TensorFlow's ctc_loss) is written with
``keras.ops.ctc_loss`` and its StringLookup character maps (TensorFlow string
tensors) with dicts (harness); the model, the CTCLayer with ``add_loss``, the
prediction model and the greedy ``ctc_decode`` are the example's.
"""
import numpy as np

import keras
from keras import ops
from keras import layers

characters = sorted(set("2b4c8"))  # harness: 19 characters in the original
batch_size = 4  # harness: 16
img_width = 16  # harness: 200
img_height = 8  # harness: 50
downsample_factor = 4
max_length = 3  # harness: 5

rng = np.random.RandomState(0)
images = rng.rand(16, img_height, img_width, 1).astype("float32")
labels_text = ["".join(rng.choice(characters, max_length)) for _ in range(16)]

"""
## Preprocessing
"""

# Mapping characters to integers (harness: layers.StringLookup(vocabulary=characters, mask_token=None))
vocabulary = ["[UNK]"] + characters
char_to_num = {c: i for i, c in enumerate(vocabulary)}
# Mapping integers back to original characters
num_to_char = dict(enumerate(vocabulary))


def encode_single_sample(img, label):
    # 5. Transpose the image because we want the time
    # dimension to correspond to the width of the image.
    img = ops.transpose(img, axes=[1, 0, 2])
    # 6. Map the characters in label to numbers
    label = np.array([char_to_num[c] for c in label], dtype="float32")
    # 7. Return a dict as our model is expecting two inputs
    return {"image": ops.convert_to_numpy(img), "label": label}


samples = [encode_single_sample(img, label) for img, label in zip(images, labels_text)]
x_train = {k: np.stack([s[k] for s in samples[:12]]) for k in ("image", "label")}
x_valid = {k: np.stack([s[k] for s in samples[12:]]) for k in ("image", "label")}

"""
## Model
"""


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    label_length = ops.cast(ops.squeeze(label_length, axis=-1), dtype="int32")
    input_length = ops.cast(ops.squeeze(input_length, axis=-1), dtype="int32")
    y_pred = ops.log(y_pred + keras.backend.epsilon())
    # harness: tf.compat.v1.nn.ctc_loss in the original
    return ops.expand_dims(
        ops.ctc_loss(ops.cast(y_true, "int32"), y_pred, label_length, input_length, mask_index=0),
        1,
    )


class CTCLayer(layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = ctc_batch_cost

    def call(self, y_true, y_pred):
        # Compute the training-time loss value and add it
        # to the layer using `self.add_loss()`.
        batch_len = ops.cast(ops.shape(y_true)[0], dtype="int64")
        input_length = ops.cast(ops.shape(y_pred)[1], dtype="int64")
        label_length = ops.cast(ops.shape(y_true)[1], dtype="int64")

        input_length = input_length * ops.ones(shape=(batch_len, 1), dtype="int64")
        label_length = label_length * ops.ones(shape=(batch_len, 1), dtype="int64")

        loss = self.loss_fn(y_true, y_pred, input_length, label_length)
        self.add_loss(loss)

        # At test time, just return the computed predictions
        return y_pred


def build_model():
    # Inputs to the model
    input_img = layers.Input(
        shape=(img_width, img_height, 1), name="image", dtype="float32"
    )
    labels = layers.Input(name="label", shape=(None,), dtype="float32")

    # First conv block
    x = layers.Conv2D(
        4,  # harness: 32
        (3, 3),
        activation="relu",
        kernel_initializer="he_normal",
        padding="same",
        name="Conv1",
    )(input_img)
    x = layers.MaxPooling2D((2, 2), name="pool1")(x)

    # Second conv block
    x = layers.Conv2D(
        8,  # harness: 64
        (3, 3),
        activation="relu",
        kernel_initializer="he_normal",
        padding="same",
        name="Conv2",
    )(x)
    x = layers.MaxPooling2D((2, 2), name="pool2")(x)

    # We have used two max pool with pool size and strides 2.
    # Hence, downsampled feature maps are 4x smaller. The number of
    # filters in the last layer is 64. Reshape accordingly before
    # passing the output to the RNN part of the model
    new_shape = ((img_width // 4), (img_height // 4) * 8)  # harness: * 64
    x = layers.Reshape(target_shape=new_shape, name="reshape")(x)
    x = layers.Dense(16, activation="relu", name="dense1")(x)  # harness: 64
    x = layers.Dropout(0.0)(x)  # harness: 0.2

    # RNNs
    x = layers.Bidirectional(layers.LSTM(8, return_sequences=True, dropout=0.0))(x)  # harness: 128, 0.25
    x = layers.Bidirectional(layers.LSTM(4, return_sequences=True, dropout=0.0))(x)  # harness: 64, 0.25

    # Output layer
    x = layers.Dense(len(vocabulary) + 1, activation="softmax", name="dense2")(x)

    # Add CTC layer for calculating CTC loss at each step
    output = CTCLayer(name="ctc_loss")(labels, x)

    # Define the model
    model = keras.models.Model(
        inputs=[input_img, labels], outputs=output, name="ocr_model_v1"
    )
    # Optimizer
    opt = keras.optimizers.Adam()
    # Compile the model and return
    model.compile(optimizer=opt)
    return model


# Get the model
model = build_model()
model.summary()

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])

"""
## Training
"""

epochs = 2  # harness: 100
early_stopping_patience = 10
# Add early stopping
early_stopping = keras.callbacks.EarlyStopping(
    monitor="val_loss", patience=early_stopping_patience, restore_best_weights=True
)

# Train the model
history = model.fit(
    x_train,
    batch_size=batch_size,
    validation_data=(x_valid,),
    epochs=epochs,
    callbacks=[early_stopping],
    shuffle=False,  # harness: batch order equal in both libraries
)

"""
## Inference
"""

# Get the prediction model by extracting layers till the output layer
prediction_model = keras.models.Model(
    model.input[0], model.get_layer(name="dense2").output
)
prediction_model.summary()


# A utility function to decode the output of the network
def decode_batch_predictions(pred):
    input_len = np.ones(pred.shape[0]) * pred.shape[1]
    # Use greedy search. For complex tasks, you can use beam search
    results = ops.ctc_decode(pred, sequence_lengths=input_len, strategy="greedy")[0][0][
        :, :max_length
    ]
    results = ops.convert_to_numpy(results)
    # Iterate over the results and get back the text
    output_text = []
    for res in results:
        res = "".join(num_to_char.get(int(i), "") for i in res if int(i) > 0)
        output_text.append(res)
    return output_text, results


preds = prediction_model.predict(x_valid["image"])
pred_texts, decoded = decode_batch_predictions(preds)

RESULTS = {
    "params": model.count_params(),
    "prediction_params": prediction_model.count_params(),
    "input_names": [t.name for t in model.inputs] if hasattr(model.inputs[0], "name") else [],
    "layer_names": [layer.name for layer in model.layers],
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
    "evaluate": model.evaluate(x_valid, verbose=0),
    "preds": preds,
    "decoded": decoded,
    "pred_texts": pred_texts,
}
RTOL, ATOL = 1e-4, 1e-4
