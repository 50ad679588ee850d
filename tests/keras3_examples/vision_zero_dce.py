"""keras.io example "Zero-DCE for low-light image enhancement" (examples/vision/zero_dce.py), torch.

The DCE-Net (a functional model on ``Input([None, None, 3])`` with Concatenate
skips and a tanh 24-channel head); the four unsupervised losses
(colour constancy, exposure with ``ops.average_pool``, illumination smoothness,
and ``SpatialConsistencyLoss``, a ``keras.losses.Loss`` with
``reduction="none"`` whose ``call`` runs ``ops.conv`` with constant kernels);
``ZeroDCE``, a ``keras.Model`` with its own ``compile(learning_rate)`` that sets
``self.optimizer`` and five ``Mean`` trackers behind ``metrics``, a ``call``
applying the eight light-enhancement curves, a custom ``train_step`` (the
``tf.GradientTape`` written the torch way) and ``test_step``, and
``save_weights``/``load_weights`` overridden to go through the inner model;
inference via ``keras.utils.img_to_array``. The example's ``tf.*`` calls are
written with ``keras.ops`` (``ops.mean``, ``ops.average_pool``, ``ops.conv``,
``ops.shape``, ``ops.cast``); the ``tf.data`` loading is replaced by numpy
arrays. Synthetic LoL images at 16x16, 4 filters in place of 32.
"""

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Downloading LOLDataset (synthetic)
"""

IMAGE_SIZE = 16  # harness: 256
BATCH_SIZE = 4  # harness: 16
rng = np.random.RandomState(0)
train_dataset = (rng.randint(0, 256, size=(8, 16, 16, 3)) / 255.0).astype("float32")
val_dataset = (rng.randint(0, 256, size=(4, 16, 16, 3)) / 255.0).astype("float32")

"""
## The Zero-DCE Framework
"""


def build_dce_net():
    input_img = keras.Input(shape=[None, None, 3])
    conv1 = layers.Conv2D(
        4, (3, 3), strides=(1, 1), activation="relu", padding="same"
    )(input_img)
    conv2 = layers.Conv2D(
        4, (3, 3), strides=(1, 1), activation="relu", padding="same"
    )(conv1)
    conv3 = layers.Conv2D(
        4, (3, 3), strides=(1, 1), activation="relu", padding="same"
    )(conv2)
    conv4 = layers.Conv2D(
        4, (3, 3), strides=(1, 1), activation="relu", padding="same"
    )(conv3)
    int_con1 = layers.Concatenate(axis=-1)([conv4, conv3])
    conv5 = layers.Conv2D(
        4, (3, 3), strides=(1, 1), activation="relu", padding="same"
    )(int_con1)
    int_con2 = layers.Concatenate(axis=-1)([conv5, conv2])
    conv6 = layers.Conv2D(
        4, (3, 3), strides=(1, 1), activation="relu", padding="same"
    )(int_con2)
    int_con3 = layers.Concatenate(axis=-1)([conv6, conv1])
    x_r = layers.Conv2D(24, (3, 3), strides=(1, 1), activation="tanh", padding="same")(
        int_con3
    )
    return keras.Model(inputs=input_img, outputs=x_r)


"""
## Loss functions
"""


def color_constancy_loss(x):
    mean_rgb = ops.mean(x, axis=(1, 2), keepdims=True)
    mr, mg, mb = (
        mean_rgb[:, :, :, 0],
        mean_rgb[:, :, :, 1],
        mean_rgb[:, :, :, 2],
    )
    d_rg = ops.square(mr - mg)
    d_rb = ops.square(mr - mb)
    d_gb = ops.square(mb - mg)
    return ops.sqrt(ops.square(d_rg) + ops.square(d_rb) + ops.square(d_gb))


def exposure_loss(x, mean_val=0.6):
    x = ops.mean(x, axis=3, keepdims=True)
    mean = ops.average_pool(x, pool_size=16, strides=16, padding="valid")
    return ops.mean(ops.square(mean - mean_val))


def illumination_smoothness_loss(x):
    batch_size = ops.shape(x)[0]
    h_x = ops.shape(x)[1]
    w_x = ops.shape(x)[2]
    count_h = (ops.shape(x)[2] - 1) * ops.shape(x)[3]
    count_w = ops.shape(x)[2] * (ops.shape(x)[3] - 1)
    h_tv = ops.sum(ops.square((x[:, 1:, :, :] - x[:, : h_x - 1, :, :])))
    w_tv = ops.sum(ops.square((x[:, :, 1:, :] - x[:, :, : w_x - 1, :])))
    batch_size = ops.cast(batch_size, dtype="float32")
    count_h = ops.cast(count_h, dtype="float32")
    count_w = ops.cast(count_w, dtype="float32")
    return 2 * (h_tv / count_h + w_tv / count_w) / batch_size


class SpatialConsistencyLoss(keras.losses.Loss):
    def __init__(self, **kwargs):
        super().__init__(reduction="none")

        self.left_kernel = ops.convert_to_tensor(
            [[[[0, 0, 0]], [[-1, 1, 0]], [[0, 0, 0]]]], dtype="float32"
        )
        self.right_kernel = ops.convert_to_tensor(
            [[[[0, 0, 0]], [[0, 1, -1]], [[0, 0, 0]]]], dtype="float32"
        )
        self.up_kernel = ops.convert_to_tensor(
            [[[[0, -1, 0]], [[0, 1, 0]], [[0, 0, 0]]]], dtype="float32"
        )
        self.down_kernel = ops.convert_to_tensor(
            [[[[0, 0, 0]], [[0, 1, 0]], [[0, -1, 0]]]], dtype="float32"
        )

    def call(self, y_true, y_pred):
        original_mean = ops.mean(y_true, 3, keepdims=True)
        enhanced_mean = ops.mean(y_pred, 3, keepdims=True)
        original_pool = ops.average_pool(
            original_mean, pool_size=4, strides=4, padding="valid"
        )
        enhanced_pool = ops.average_pool(
            enhanced_mean, pool_size=4, strides=4, padding="valid"
        )

        # harness: the example's tf.nn.conv2d kernels are (1, 3, 1, 3) [h, w, in, out];
        # ops.conv takes the same layout
        d_original_left = ops.conv(
            original_pool, self.left_kernel, strides=1, padding="same"
        )
        d_original_right = ops.conv(
            original_pool, self.right_kernel, strides=1, padding="same"
        )
        d_original_up = ops.conv(
            original_pool, self.up_kernel, strides=1, padding="same"
        )
        d_original_down = ops.conv(
            original_pool, self.down_kernel, strides=1, padding="same"
        )

        d_enhanced_left = ops.conv(
            enhanced_pool, self.left_kernel, strides=1, padding="same"
        )
        d_enhanced_right = ops.conv(
            enhanced_pool, self.right_kernel, strides=1, padding="same"
        )
        d_enhanced_up = ops.conv(
            enhanced_pool, self.up_kernel, strides=1, padding="same"
        )
        d_enhanced_down = ops.conv(
            enhanced_pool, self.down_kernel, strides=1, padding="same"
        )

        d_left = ops.square(d_original_left - d_enhanced_left)
        d_right = ops.square(d_original_right - d_enhanced_right)
        d_up = ops.square(d_original_up - d_enhanced_up)
        d_down = ops.square(d_original_down - d_enhanced_down)
        return d_left + d_right + d_up + d_down


"""
### Deep curve estimation model
"""


class ZeroDCE(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dce_model = build_dce_net()

    def compile(self, learning_rate, **kwargs):
        super().compile(**kwargs)
        self.optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
        self.spatial_constancy_loss = SpatialConsistencyLoss(reduction="none")
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.illumination_smoothness_loss_tracker = keras.metrics.Mean(
            name="illumination_smoothness_loss"
        )
        self.spatial_constancy_loss_tracker = keras.metrics.Mean(
            name="spatial_constancy_loss"
        )
        self.color_constancy_loss_tracker = keras.metrics.Mean(
            name="color_constancy_loss"
        )
        self.exposure_loss_tracker = keras.metrics.Mean(name="exposure_loss")

    @property
    def metrics(self):
        return [
            self.total_loss_tracker,
            self.illumination_smoothness_loss_tracker,
            self.spatial_constancy_loss_tracker,
            self.color_constancy_loss_tracker,
            self.exposure_loss_tracker,
        ]

    def get_enhanced_image(self, data, output):
        r1 = output[:, :, :, :3]
        r2 = output[:, :, :, 3:6]
        r3 = output[:, :, :, 6:9]
        r4 = output[:, :, :, 9:12]
        r5 = output[:, :, :, 12:15]
        r6 = output[:, :, :, 15:18]
        r7 = output[:, :, :, 18:21]
        r8 = output[:, :, :, 21:24]
        x = data + r1 * (ops.square(data) - data)
        x = x + r2 * (ops.square(x) - x)
        x = x + r3 * (ops.square(x) - x)
        enhanced_image = x + r4 * (ops.square(x) - x)
        x = enhanced_image + r5 * (ops.square(enhanced_image) - enhanced_image)
        x = x + r6 * (ops.square(x) - x)
        x = x + r7 * (ops.square(x) - x)
        enhanced_image = x + r8 * (ops.square(x) - x)
        return enhanced_image

    def call(self, data):
        dce_net_output = self.dce_model(data)
        return self.get_enhanced_image(data, dce_net_output)

    def compute_losses(self, data, output):
        enhanced_image = self.get_enhanced_image(data, output)
        loss_illumination = 200 * illumination_smoothness_loss(output)
        loss_spatial_constancy = ops.mean(
            self.spatial_constancy_loss(enhanced_image, data)
        )
        loss_color_constancy = 5 * ops.mean(color_constancy_loss(enhanced_image))
        loss_exposure = 10 * ops.mean(exposure_loss(enhanced_image))
        total_loss = (
            loss_illumination
            + loss_spatial_constancy
            + loss_color_constancy
            + loss_exposure
        )

        return {
            "total_loss": total_loss,
            "illumination_smoothness_loss": loss_illumination,
            "spatial_constancy_loss": loss_spatial_constancy,
            "color_constancy_loss": loss_color_constancy,
            "exposure_loss": loss_exposure,
        }

    def train_step(self, data):
        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        output = self.dce_model(data)
        losses = self.compute_losses(data, output)

        losses["total_loss"].backward()
        gradients = [v.value.grad for v in self.dce_model.trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, self.dce_model.trainable_weights)

        self.total_loss_tracker.update_state(losses["total_loss"])
        self.illumination_smoothness_loss_tracker.update_state(
            losses["illumination_smoothness_loss"]
        )
        self.spatial_constancy_loss_tracker.update_state(
            losses["spatial_constancy_loss"]
        )
        self.color_constancy_loss_tracker.update_state(losses["color_constancy_loss"])
        self.exposure_loss_tracker.update_state(losses["exposure_loss"])

        return {metric.name: metric.result() for metric in self.metrics}

    def test_step(self, data):
        output = self.dce_model(data)
        losses = self.compute_losses(data, output)

        self.total_loss_tracker.update_state(losses["total_loss"])
        self.illumination_smoothness_loss_tracker.update_state(
            losses["illumination_smoothness_loss"]
        )
        self.spatial_constancy_loss_tracker.update_state(
            losses["spatial_constancy_loss"]
        )
        self.color_constancy_loss_tracker.update_state(losses["color_constancy_loss"])
        self.exposure_loss_tracker.update_state(losses["exposure_loss"])

        return {metric.name: metric.result() for metric in self.metrics}

    def save_weights(self, filepath, overwrite=True):  # harness: Keras 3 signature
        """While saving the weights, we simply save the weights of the DCE-Net"""
        self.dce_model.save_weights(filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False):  # harness: Keras 3 signature
        """While loading the weights, we simply load the weights of the DCE-Net"""
        self.dce_model.load_weights(filepath=filepath, skip_mismatch=skip_mismatch)


"""
## Training
"""

zero_dce_model = ZeroDCE()
zero_dce_model.compile(learning_rate=1e-4)
# harness: equal initial weights on both sides
_rs = np.random.RandomState(1)
zero_dce_model.dce_model.set_weights(
    [_rs.normal(0, 0.2, w.shape).astype("float32") for w in zero_dce_model.dce_model.get_weights()])
RESULTS["count_params"] = zero_dce_model.dce_model.count_params()
RESULTS["metric_names"] = [m.name for m in zero_dce_model.metrics]
RESULTS["optimizer"] = type(zero_dce_model.optimizer).__name__
probe = train_dataset[:2]
out = zero_dce_model.dce_model(probe)
RESULTS["losses_before"] = [float(ops.convert_to_numpy(v)) for v in
                            zero_dce_model.compute_losses(ops.convert_to_tensor(probe), out).values()]
RESULTS["spatial_loss_shape"] = list(ops.shape(
    zero_dce_model.spatial_constancy_loss(probe, ops.convert_to_numpy(out)[..., :3])))

history = zero_dce_model.fit(train_dataset, validation_data=(val_dataset,), epochs=2,
                             batch_size=BATCH_SIZE, shuffle=False, verbose=0)  # harness: numpy, 100
RESULTS["hist_keys"] = sorted(history.history)
for k, v in history.history.items():
    RESULTS["hist_" + k] = v

zero_dce_model.save_weights("zero_dce.weights.h5")
saved = zero_dce_model.dce_model.get_weights()
zero_dce_model.dce_model.set_weights([np.zeros_like(w) for w in saved])
zero_dce_model.load_weights("zero_dce.weights.h5")
RESULTS["weights_round_trip"] = all(
    np.array_equal(a, b) for a, b in zip(saved, zero_dce_model.dce_model.get_weights()))

"""
## Inference
"""


def infer(original_image):
    image = keras.utils.img_to_array(original_image)
    image = image.astype("float32") / 255.0
    image = np.expand_dims(image, axis=0)
    output_image = zero_dce_model(image)
    output_image = ops.convert_to_numpy(output_image[0, :, :] * 255).astype(np.uint8)  # harness: tf.cast
    return output_image  # harness: Image.fromarray skipped


original_image = keras.utils.array_to_img(val_dataset[0] * 255.0)
enhanced = zero_dce_model(val_dataset[:1])
RESULTS["enhanced"] = ops.convert_to_numpy(enhanced)[0, ::3, ::3, 0]
RESULTS["infer_shape"] = list(infer(original_image).shape)
RTOL, ATOL = 1e-4, 1e-4
