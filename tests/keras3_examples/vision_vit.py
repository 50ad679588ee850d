"""keras.io examples/vision/image_classification_with_vision_transformer.py: ViT on CIFAR-100-shaped data.

Synthetic uint8 CIFAR images (shrunk). The augmentation pipeline sits inside the
model as in the example; the images are left-right symmetric (so
RandomFlip("horizontal") is the identity on them) and the rotation/zoom factors
are 0 (harness), so training is deterministic. Dropout rates are 0 (harness).
"""
import numpy as np
import keras
from keras import layers
from keras import ops

"""
## Prepare the data
"""

num_classes = 10  # harness: 100 in the original
input_shape = (12, 12, 3)  # harness: (32, 32, 3) in the original

rng = np.random.RandomState(0)
half = rng.randint(0, 256, size=(50, 12, 6, 3))
x_all = np.concatenate([half, half[:, :, ::-1]], axis=2).astype("uint8")  # harness: symmetric
y_all = rng.randint(0, num_classes, size=(50, 1)).astype("int64")
(x_train, y_train), (x_test, y_test) = (x_all[:40], y_all[:40]), (x_all[40:], y_all[40:])

print(f"x_train shape: {x_train.shape} - y_train shape: {y_train.shape}")
print(f"x_test shape: {x_test.shape} - y_test shape: {y_test.shape}")

"""
## Configure the hyperparameters
"""

learning_rate = 0.001
weight_decay = 0.0001
batch_size = 12  # harness: 256 in the original
num_epochs = 2  # harness: 10 in the original
image_size = 16  # We'll resize input images to this size (harness: 72)
patch_size = 4  # Size of the patches to be extract from the input images (harness: 6)
num_patches = (image_size // patch_size) ** 2
projection_dim = 16  # harness: 64
num_heads = 2  # harness: 4
transformer_units = [
    projection_dim * 2,
    projection_dim,
]  # Size of the transformer layers
transformer_layers = 2  # harness: 8
mlp_head_units = [
    32,
    16,
]  # Size of the dense layers of the final classifier (harness: [2048, 1024])

"""
## Use data augmentation
"""

data_augmentation = keras.Sequential(
    [
        layers.Normalization(),
        layers.Resizing(image_size, image_size),
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(factor=0.0),  # harness: 0.02 in the original
        layers.RandomZoom(height_factor=0.0, width_factor=0.0),  # harness: 0.2, 0.2
    ],
    name="data_augmentation",
)
# Compute the mean and the variance of the training data for normalization.
data_augmentation.layers[0].adapt(x_train)

"""
## Implement multilayer perceptron (MLP)
"""


def mlp(x, hidden_units, dropout_rate):
    for units in hidden_units:
        x = layers.Dense(units, activation=keras.activations.gelu)(x)
        x = layers.Dropout(dropout_rate)(x)
    return x


"""
## Implement patch creation as a layer
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


image = x_train[np.random.RandomState(2).choice(range(x_train.shape[0]))]
resized_image = ops.image.resize(
    ops.convert_to_tensor([image]), size=(image_size, image_size)
)
patches = Patches(patch_size)(resized_image)
print(f"Image size: {image_size} X {image_size}")
print(f"Patch size: {patch_size} X {patch_size}")
print(f"Patches per image: {patches.shape[1]}")
print(f"Elements per patch: {patches.shape[-1]}")

n = int(np.sqrt(patches.shape[1]))
patch_imgs = []
for i, patch in enumerate(patches[0]):  # noqa: B007 (as the example)
    patch_img = ops.reshape(patch, (patch_size, patch_size, 3))
    patch_imgs.append(ops.convert_to_numpy(patch_img).astype("uint8"))

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

    def call(self, patch):
        positions = ops.expand_dims(
            ops.arange(start=0, stop=self.num_patches, step=1), axis=0
        )
        projected_patches = self.projection(patch)
        encoded = projected_patches + self.position_embedding(positions)
        return encoded

    def get_config(self):
        config = super().get_config()
        config.update({"num_patches": self.num_patches})
        return config


"""
## Build the ViT model
"""


def create_vit_classifier():
    inputs = keras.Input(shape=input_shape)
    # Augment data.
    augmented = data_augmentation(inputs)
    # Create patches.
    patches = Patches(patch_size)(augmented)
    # Encode patches.
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
        # MLP.
        x3 = mlp(x3, hidden_units=transformer_units, dropout_rate=0.0)  # harness: 0.1
        # Skip connection 2.
        encoded_patches = layers.Add()([x3, x2])

    # Create a [batch_size, projection_dim] tensor.
    representation = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
    representation = layers.Flatten()(representation)
    representation = layers.Dropout(0.0)(representation)  # harness: 0.5
    # Add MLP.
    features = mlp(representation, hidden_units=mlp_head_units, dropout_rate=0.0)  # harness: 0.5
    # Classify outputs.
    logits = layers.Dense(num_classes)(features)
    # Create the Keras model.
    model = keras.Model(inputs=inputs, outputs=logits)
    return model


"""
## Compile, train, and evaluate the mode
"""


def run_experiment(model):
    optimizer = keras.optimizers.AdamW(
        learning_rate=learning_rate, weight_decay=weight_decay
    )

    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
            keras.metrics.SparseTopKCategoricalAccuracy(5, name="top-5-accuracy"),
        ],
    )

    checkpoint_filepath = "checkpoint.weights.h5"  # harness: /tmp/checkpoint.weights.h5
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        checkpoint_filepath,
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=True,
    )

    history = model.fit(
        x=x_train,
        y=y_train,
        batch_size=batch_size,
        epochs=num_epochs,
        validation_split=0.1,
        callbacks=[checkpoint_callback],
        shuffle=False,  # harness: batch order equal in both libraries
    )

    model.load_weights(checkpoint_filepath)
    _, accuracy, top_5_accuracy = model.evaluate(x_test, y_test)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")
    print(f"Test top 5 accuracy: {round(top_5_accuracy * 100, 2)}%")

    return history, [_, accuracy, top_5_accuracy]


vit_classifier = create_vit_classifier()
# harness: equal initial weights in both libraries (the Normalization statistics are kept)
seeded = np.random.RandomState(1)
vit_classifier.set_weights([
    w if v.path.startswith("data_augmentation") or not v.trainable
    else seeded.normal(0, 0.2, w.shape).astype("float32")
    for v, w in zip(vit_classifier.weights, vit_classifier.get_weights())
])
before = vit_classifier.predict(x_test, verbose=0)
history, scores = run_experiment(vit_classifier)

RESULTS = {
    "patches_shape": list(patches.shape),
    "patches": ops.convert_to_numpy(patches),
    "patch_imgs": np.stack(patch_imgs),
    "resized_image": ops.convert_to_numpy(resized_image),
    "norm_mean": data_augmentation.layers[0].mean,
    "norm_variance": data_augmentation.layers[0].variance,
    "params": vit_classifier.count_params(),
    "n_weights": len(vit_classifier.weights),
    "layer_types": [type(layer).__name__ for layer in vit_classifier.layers],
    "before": before,
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "accuracy": history.history["accuracy"],
    "top5": history.history["top-5-accuracy"],
    "val_loss": history.history["val_loss"],
    "val_top5": history.history["val_top-5-accuracy"],
    "scores": scores,
    "predict": vit_classifier.predict(x_test, verbose=0),
}
RTOL, ATOL = 1e-4, 1e-4
