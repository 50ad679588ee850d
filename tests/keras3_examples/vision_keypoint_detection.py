"""keras.io example "Keypoint Detection with Transfer Learning"
(examples/vision/keypoint_detection.py, Keras 3).

A ``keras.utils.PyDataset`` subclass (``__len__``/``__getitem__``/
``on_epoch_end``, ``super().__init__(**kwargs)``) yielding image batches and
``(batch, 1, 1, NUM_KEYPOINTS)`` keypoint targets scaled to [0, 1]; a frozen
backbone (``backbone.trainable = False``) behind
``keras.applications.mobilenet_v2.preprocess_input``, ``Dropout`` and two
``SeparableConv2D`` heads (relu, sigmoid) reducing the 7x7 feature map to 1x1;
mse + Adam(1e-4), ``fit`` with a PyDataset ``validation_data``, predict and
reshape to (24, 2) keypoints. Synthetic StanfordExtra dog images (224 -> 28
pixels). The ImageNet MobileNetV2 backbone is replaced by a small frozen CNN
with the same 7x7 output grid, imgaug augmentation by identity, and the
training-set shuffle is off (``# harness:``).
"""

import numpy as np
import keras
from keras import layers

"""
## Define hyperparameters
"""

IMG_SIZE = 28  # harness: 224
BATCH_SIZE = 4  # harness: 64
EPOCHS = 2  # harness: 5
NUM_KEYPOINTS = 24 * 2  # 24 pairs each having x and y coordinates

"""
## Load data (synthetic: uint8 images and 24 joints (x, y, visibility) per image)
"""

rng = np.random.RandomState(0)
json_dict = {}
for i in range(16):
    json_dict[f"dog_{i}.jpg"] = {
        "img_data": rng.randint(0, 256, size=(IMG_SIZE, IMG_SIZE, 3)).astype("uint8"),
        "joints": np.concatenate(
            [rng.uniform(0, IMG_SIZE, size=(24, 2)), rng.randint(0, 2, size=(24, 1))], axis=1
        ).tolist(),
    }


# Utility for returning a data point (harness: the image is stored in the dict, not read from disk).
def get_dog(name):
    data = json_dict[name]
    return data


"""
## Prepare data generator
"""


class KeyPointsDataset(keras.utils.PyDataset):
    def __init__(self, image_keys, aug, batch_size=BATCH_SIZE, train=True, **kwargs):
        super().__init__(**kwargs)
        self.image_keys = image_keys
        self.aug = aug
        self.batch_size = batch_size
        self.train = train
        self.on_epoch_end()

    def __len__(self):
        return len(self.image_keys) // self.batch_size

    def on_epoch_end(self):
        self.indexes = np.arange(len(self.image_keys))
        if self.train:
            np.random.shuffle(self.indexes)

    def __getitem__(self, index):
        indexes = self.indexes[index * self.batch_size : (index + 1) * self.batch_size]
        image_keys_temp = [self.image_keys[k] for k in indexes]
        (images, keypoints) = self.__data_generation(image_keys_temp)

        return (images, keypoints)

    def __data_generation(self, image_keys_temp):
        batch_images = np.empty((self.batch_size, IMG_SIZE, IMG_SIZE, 3), dtype="int")
        batch_keypoints = np.empty(
            (self.batch_size, 1, 1, NUM_KEYPOINTS), dtype="float32"
        )

        for i, key in enumerate(image_keys_temp):
            data = get_dog(key)
            current_keypoint = np.array(data["joints"])[:, :2]
            current_image = data["img_data"]
            # harness: imgaug's Keypoint/KeypointsOnImage augmentation replaced by identity
            (new_image, new_kps) = self.aug(image=current_image, keypoints=current_keypoint)
            batch_images[i,] = new_image

            # Parse the coordinates from the new keypoint object.
            kp_temp = []
            for keypoint in new_kps:
                kp_temp.append(np.nan_to_num(keypoint[0]))
                kp_temp.append(np.nan_to_num(keypoint[1]))

            # More on why this reshaping later.
            batch_keypoints[i,] = np.array(kp_temp).reshape(1, 1, 24 * 2)

        # Scale the coordinates to [0, 1] range.
        batch_keypoints = batch_keypoints / IMG_SIZE

        return (batch_images, batch_keypoints)


"""
## Define augmentation transforms (harness: identity)
"""


def train_aug(image, keypoints):
    return image, keypoints


test_aug = train_aug

"""
## Create training and validation splits
"""

samples = list(json_dict.keys())
train_keys, validation_keys = (
    samples[int(len(samples) * 0.25) :],  # harness: no np.random.shuffle of the keys
    samples[: int(len(samples) * 0.25)],
)

train_dataset = KeyPointsDataset(train_keys, train_aug, train=False)  # harness: train=True shuffles
validation_dataset = KeyPointsDataset(validation_keys, test_aug, train=False)

print(f"Total batches in training set: {len(train_dataset)}")
print(f"Total batches in validation set: {len(validation_dataset)}")

sample_images, sample_keypoints = next(iter(train_dataset))
assert sample_keypoints.max() == 1.0 or sample_keypoints.max() <= 1.0
assert sample_keypoints.min() >= 0.0

"""
## Model building
"""


def make_backbone():
    # harness: stands for keras.applications.MobileNetV2(weights="imagenet", include_top=False,
    # input_shape=(IMG_SIZE, IMG_SIZE, 3)); same 7x7 output grid, no pretrained weights.
    return keras.Sequential(
        [
            keras.Input((IMG_SIZE, IMG_SIZE, 3)),
            layers.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
        ],
        name="backbone",
    )


def get_model():
    # Load the pre-trained weights of MobileNetV2 and freeze the weights
    backbone = make_backbone()
    backbone.trainable = False

    inputs = layers.Input((IMG_SIZE, IMG_SIZE, 3))
    x = keras.applications.mobilenet_v2.preprocess_input(inputs)
    x = backbone(x)
    x = layers.Dropout(0.0)(x)  # harness: 0.3
    x = layers.SeparableConv2D(
        NUM_KEYPOINTS, kernel_size=5, strides=1, activation="relu"
    )(x)
    outputs = layers.SeparableConv2D(
        NUM_KEYPOINTS, kernel_size=3, strides=1, activation="sigmoid"
    )(x)

    return keras.Model(inputs, outputs, name="keypoint_detector")


model = get_model()
model.summary()
summary_lines = []
model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))

# harness: equal initial weights in both libraries (BatchNormalization variances and the
# SeparableConv2D biases positive, so that no ReLU unit is dead or nearly so)
seeded = np.random.RandomState(1)
model.set_weights([np.abs(seeded.normal(1.0, 0.2, w.shape)).astype("float32") if w.ndim == 1
                   else seeded.normal(0, 0.05, w.shape).astype("float32") for w in model.get_weights()])
frozen_before = [w.copy() for w in model.get_layer("backbone").get_weights()]

"""
## Model compilation and training
"""

model.compile(loss="mse", optimizer=keras.optimizers.Adam(1e-4))
history = model.fit(train_dataset, validation_data=validation_dataset, epochs=EPOCHS)

"""
## Make predictions and visualize them
"""

sample_val_images, sample_val_keypoints = next(iter(validation_dataset))
sample_val_images = sample_val_images[:4]
sample_val_keypoints = sample_val_keypoints[:4].reshape(-1, 24, 2) * IMG_SIZE
predictions = model.predict(sample_val_images).reshape(-1, 24, 2) * IMG_SIZE

RESULTS = {
    "params": model.count_params(),
    "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
    "n_trainable_weights": len(model.trainable_weights),
    "n_non_trainable_weights": len(model.non_trainable_weights),
    # harness: Keras 3 hands print_fn the whole table at once, keraton line by line
    "summary_total": [line for line in "\n".join(summary_lines).split("\n") if "params" in line],
    "output_shape": str(tuple(model.output.shape)),
    "separable_shapes": str([[tuple(w.shape) for w in layer.weights] for layer in model.layers
                             if isinstance(layer, layers.SeparableConv2D)]),
    "num_batches": [len(train_dataset), len(validation_dataset)],
    "sample_keypoints": sample_keypoints,
    "preprocessed": keras.ops.convert_to_numpy(
        keras.applications.mobilenet_v2.preprocess_input(sample_images[:1].astype("float32"))),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
    "backbone_frozen": int(all(np.array_equal(a, b) for a, b in
                               zip(frozen_before, model.get_layer("backbone").get_weights()))),
    "predictions": predictions,
    "evaluate": model.evaluate(validation_dataset, verbose=0),
}
# Adam's first step moves every weight by +-lr whatever its gradient's size, so float32 rounding
# differences in near-zero gradients show in the trained predictions at ~2e-4.
RTOL, ATOL = 1e-3, 1e-4
