"""keras.io example "Object detection with Vision Transformers"
(examples/vision/object_detection_using_vision_transformer.py, Keras 3).

``Patches`` (``keras.ops.image.extract_patches`` + ``ops.reshape``, with
``get_config``), ``PatchEncoder`` (``Dense`` projection + ``Embedding`` of
``ops.expand_dims(ops.arange(...), axis=0)`` positions), pre-norm Transformer
blocks (``MultiHeadAttention(key_dim=projection_dim, dropout=0.1)``), an MLP
head with ``keras.activations.gelu`` ending in a 4-unit bounding-box
regression ``Dense``; ``keras.optimizers.AdamW``, ``MeanSquaredError``,
``ModelCheckpoint(save_best_only=True, save_weights_only=True)`` on val_loss +
``EarlyStopping``, ``validation_split``; save to ``.keras`` and reload; the
example's IoU evaluation on predicted boxes. Synthetic Caltech-101 airplane
images (224 -> 16 pixels, patches 32 -> 4) with relative box targets; Dropout
rates 0 (``# harness:``).
"""

import numpy as np
import keras
from keras import layers
from keras import ops

"""
## Prepare dataset (synthetic: images of the dataset's dtype/range, boxes in [0, 1])
"""

image_size = 16  # harness: 224
rng = np.random.RandomState(0)
images = rng.randint(0, 256, size=(20, image_size, image_size, 3)).astype("float32")
_tl = rng.uniform(0.0, 0.4, size=(20, 2))
_br = _tl + rng.uniform(0.2, 0.6, size=(20, 2))
targets = np.concatenate([_tl, _br], axis=1)

# Convert the list to numpy array, split to train and test dataset
(x_train), (y_train) = (
    np.asarray(images[: int(len(images) * 0.8)]),
    np.asarray(targets[: int(len(targets) * 0.8)]),
)
(x_test), (y_test) = (
    np.asarray(images[int(len(images) * 0.8) :]),
    np.asarray(targets[int(len(targets) * 0.8) :]),
)

"""
## Implement multilayer-perceptron (MLP)
"""


def mlp(x, hidden_units, dropout_rate):
    for units in hidden_units:
        x = layers.Dense(units, activation=keras.activations.gelu)(x)
        x = layers.Dropout(dropout_rate)(x)
    return x


"""
## Implement the patch creation layer
"""


class Patches(layers.Layer):
    def __init__(self, patch_size):
        super().__init__()
        self.patch_size = patch_size

    def call(self, images):
        input_shape = ops.shape(images)
        batch_size = input_shape[0]
        height = input_shape[1]
        width = input_shape[2]
        channels = input_shape[3]
        num_patches_h = height // self.patch_size
        num_patches_w = width // self.patch_size
        patches = keras.ops.image.extract_patches(images, size=self.patch_size)
        patches = ops.reshape(
            patches,
            (
                batch_size,
                num_patches_h * num_patches_w,
                self.patch_size * self.patch_size * channels,
            ),
        )
        return patches

    def get_config(self):
        config = super().get_config()
        config.update({"patch_size": self.patch_size})
        return config


"""
## Display patches for an input image (shapes only)
"""

patch_size = 4  # harness: 32
patches = Patches(patch_size)(np.expand_dims(x_train[0], axis=0))
print(f"Image size: {image_size} X {image_size}")
print(f"Patch size: {patch_size} X {patch_size}")
print(f"{patches.shape[1]} patches per image \n{patches.shape[-1]} elements per patch")
first_patch = ops.convert_to_numpy(ops.reshape(patches[0][5], (patch_size, patch_size, 3)))

"""
## Implement the patch encoding layer
"""


class PatchEncoder(layers.Layer):
    def __init__(self, num_patches, projection_dim):
        super().__init__()
        self.num_patches = num_patches
        self.projection = layers.Dense(units=projection_dim)
        self.position_embedding = layers.Embedding(
            input_dim=num_patches, output_dim=projection_dim
        )

    # Override function to avoid error while saving model
    def get_config(self):
        config = super().get_config().copy()
        config.update(
            {
                "input_shape": input_shape,
                "patch_size": patch_size,
                "num_patches": num_patches,
                "projection_dim": projection_dim,
                "num_heads": num_heads,
                "transformer_units": transformer_units,
                "transformer_layers": transformer_layers,
                "mlp_head_units": mlp_head_units,
            }
        )
        return config

    def call(self, patch):
        positions = ops.expand_dims(
            ops.arange(start=0, stop=self.num_patches, step=1), axis=0
        )
        projected_patches = self.projection(patch)
        encoded = projected_patches + self.position_embedding(positions)
        return encoded


"""
## Build the ViT model
"""


def create_vit_object_detector(
    input_shape,
    patch_size,
    num_patches,
    projection_dim,
    num_heads,
    transformer_units,
    transformer_layers,
    mlp_head_units,
):
    inputs = keras.Input(shape=input_shape)
    # Create patches
    patches = Patches(patch_size)(inputs)
    # Encode patches
    encoded_patches = PatchEncoder(num_patches, projection_dim)(patches)

    # Create multiple layers of the Transformer block.
    for _ in range(transformer_layers):
        # Layer normalization 1.
        x1 = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
        # Create a multi-head attention layer.
        attention_output = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=projection_dim, dropout=0.0  # harness: 0.1
        )(x1, x1)
        # Skip connection 1.
        x2 = layers.Add()([attention_output, encoded_patches])
        # Layer normalization 2.
        x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
        # MLP
        x3 = mlp(x3, hidden_units=transformer_units, dropout_rate=0.0)  # harness: 0.1
        # Skip connection 2.
        encoded_patches = layers.Add()([x3, x2])

    # Create a [batch_size, projection_dim] tensor.
    representation = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
    representation = layers.Flatten()(representation)
    representation = layers.Dropout(0.0)(representation)  # harness: 0.3
    # Add MLP.
    features = mlp(representation, hidden_units=mlp_head_units, dropout_rate=0.0)  # harness: 0.3

    bounding_box = layers.Dense(4)(
        features
    )  # Final four neurons that output bounding box

    # return Keras model.
    return keras.Model(inputs=inputs, outputs=bounding_box)


"""
## Run the experiment
"""


def run_experiment(model, learning_rate, weight_decay, batch_size, num_epochs):
    optimizer = keras.optimizers.AdamW(
        learning_rate=learning_rate, weight_decay=weight_decay
    )

    # Compile model.
    model.compile(optimizer=optimizer, loss=keras.losses.MeanSquaredError())

    checkpoint_filepath = "vit_object_detector.weights.h5"  # harness: "logs/" in the original
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        checkpoint_filepath,
        monitor="val_loss",
        save_best_only=True,
        save_weights_only=True,
    )

    history = model.fit(
        x=x_train,
        y=y_train,
        batch_size=batch_size,
        epochs=num_epochs,
        validation_split=0.1,
        callbacks=[
            checkpoint_callback,
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=10),
        ],
        shuffle=False,  # harness: batch order equal in both libraries
    )

    return history


input_shape = (image_size, image_size, 3)  # input image shape
learning_rate = 0.001
weight_decay = 0.0001
batch_size = 4  # harness: 32
num_epochs = 3  # harness: 100
num_patches = (image_size // patch_size) ** 2
projection_dim = 8  # harness: 64
num_heads = 2  # harness: 4
# Size of the transformer layers
transformer_units = [
    projection_dim * 2,
    projection_dim,
]
transformer_layers = 2  # harness: 4
mlp_head_units = [16, 8]  # harness: [2048, 1024, 512, 64, 32]


history = []
num_patches = (image_size // patch_size) ** 2

vit_object_detector = create_vit_object_detector(
    input_shape,
    patch_size,
    num_patches,
    projection_dim,
    num_heads,
    transformer_units,
    transformer_layers,
    mlp_head_units,
)

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
vit_object_detector.set_weights(
    [seeded.normal(0, 0.05, w.shape).astype("float32") for w in vit_object_detector.get_weights()]
)

# Train model
history = run_experiment(
    vit_object_detector, learning_rate, weight_decay, batch_size, num_epochs
)

"""
## Evaluate the model
"""

# Saves the model in current path
vit_object_detector.save("vit_object_detector.keras")


# To calculate IoU (intersection over union, given two bounding boxes)
def bounding_box_intersection_over_union(box_predicted, box_truth):
    # get (x, y) coordinates of intersection of bounding boxes
    top_x_intersect = max(box_predicted[0], box_truth[0])
    top_y_intersect = max(box_predicted[1], box_truth[1])
    bottom_x_intersect = min(box_predicted[2], box_truth[2])
    bottom_y_intersect = min(box_predicted[3], box_truth[3])

    # calculate area of the intersection bb (bounding box)
    intersection_area = max(0, bottom_x_intersect - top_x_intersect + 1) * max(
        0, bottom_y_intersect - top_y_intersect + 1
    )

    # calculate area of the prediction bb and ground-truth bb
    box_predicted_area = (box_predicted[2] - box_predicted[0] + 1) * (
        box_predicted[3] - box_predicted[1] + 1
    )
    box_truth_area = (box_truth[2] - box_truth[0] + 1) * (
        box_truth[3] - box_truth[1] + 1
    )

    # return ioU
    return intersection_area / float(
        box_predicted_area + box_truth_area - intersection_area
    )


i, mean_iou = 0, 0
all_preds = []
# Compare results for the images in the test set
for input_image in x_test[:4]:
    im = input_image
    input_image = np.expand_dims(input_image, axis=0)
    preds = vit_object_detector.predict(input_image)[0]
    all_preds.append(preds)

    (h, w) = (im).shape[0:2]
    w, h = 100 * w, 100 * h  # harness: original-resolution test images in the original

    top_left_x, top_left_y = int(preds[0] * w), int(preds[1] * h)
    bottom_right_x, bottom_right_y = int(preds[2] * w), int(preds[3] * h)
    box_predicted = [top_left_x, top_left_y, bottom_right_x, bottom_right_y]

    top_left_x, top_left_y = int(y_test[i][0] * w), int(y_test[i][1] * h)
    bottom_right_x, bottom_right_y = int(y_test[i][2] * w), int(y_test[i][3] * h)
    box_truth = top_left_x, top_left_y, bottom_right_x, bottom_right_y

    mean_iou += bounding_box_intersection_over_union(box_predicted, box_truth)
    i = i + 1

print("mean_iou: " + str(mean_iou / len(x_test[:4])))

# The example's custom layers are not registered (and PatchEncoder.get_config adds keys its
# __init__ does not take), so reloading the saved model fails; record that it does.
# harness: only whether it fails is compared (Keras 3 raises TypeError, keraton ValueError)
try:
    keras.models.load_model("vit_object_detector.keras")
    reload_outcome = "ok"
except Exception:
    reload_outcome = "failed"
print("reload:", reload_outcome)

best = create_vit_object_detector(
    input_shape, patch_size, num_patches, projection_dim, num_heads,
    transformer_units, transformer_layers, mlp_head_units,
)
best.load_weights("vit_object_detector.weights.h5")

RESULTS = {
    "params": vit_object_detector.count_params(),
    "patches_shape": list(patches.shape),
    "first_patch": first_patch,
    "patches_config": Patches(patch_size).get_config()["patch_size"],
    "layer_types": [type(layer).__name__ for layer in vit_object_detector.layers],
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
    "preds": np.stack(all_preds),
    "mean_iou": mean_iou / len(x_test[:4]),
    "evaluate": vit_object_detector.evaluate(x_test, y_test, verbose=0),
    "checkpoint_predict": best.predict(x_test, verbose=0),
    "reload_outcome": reload_outcome,
    "optimizer_iterations": int(vit_object_detector.optimizer.iterations.numpy()),
}
