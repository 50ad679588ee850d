"""keras.io example "Enhanced Deep Residual Networks for single-image super-resolution" (examples/vision/edsr.py).

The functional EDSR with flexible ``Input(shape=(None, None, 3))``,
``Rescaling`` in and out, residual blocks of ``Conv2D``/``Add``, the depth-to-space
upsampling block; an ``EDSRModel(keras.Model)`` subclass built by calling it on
functional inputs/outputs, with a custom ``train_step`` (``compute_loss``, metrics
walked through ``self.metrics``) and a ``predict_step`` called directly on a
single image (``expand_dims``/``clip``/``round``/``uint8`` cast/``squeeze``);
``Adam`` with a ``PiecewiseConstantDecay`` schedule crossing its boundary,
``loss="mae"`` and a plain-function ``PSNR`` metric; fit with validation data and
``steps_per_epoch``; evaluate; predict on another image size; save/load
(``.keras``, with the subclass registered). The ``tf.GradientTape`` step is
written the torch way (as keras.io's guide "Customizing fit() with PyTorch").
Harness changes (``# harness:``): tiny sizes, synthetic DIV2K crops (numpy, no
random flips/rotations/crops), ``tf.image.psnr`` and ``tf.nn.depth_to_space``
written with ``keras.ops``, seeded weights, no plotting.
"""

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Synthetic DIV2K crops (low resolution 6x6, high resolution 24x24; numpy in place of tf.data)
"""

rng = np.random.RandomState(0)
highres = rng.randint(0, 256, (12, 24, 24, 3)).astype("float32")  # harness: 96x96 crops
lowres = highres.reshape(12, 6, 4, 6, 4, 3).mean(axis=(2, 4))  # harness: bicubic x4
train_ds = (lowres[:8], highres[:8])  # harness:
val_ds = (lowres[8:], highres[8:])  # harness:


def PSNR(super_resolution, high_resolution):
    """Compute the peak signal-to-noise ratio, measures quality of image."""
    # Max value of pixel is 255
    # harness: tf.image.psnr(high_resolution, super_resolution, max_val=255)[0]
    mse = ops.mean(ops.square(high_resolution - super_resolution), axis=[-3, -2, -1])
    psnr_value = (20.0 * ops.log(255.0) - 10.0 * ops.log(mse)) / ops.log(10.0)
    return psnr_value[0]


@keras.saving.register_keras_serializable()  # harness:
class DepthToSpace(layers.Layer):  # harness: tf.nn.depth_to_space, as a layer (spatial dims are None)
    def __init__(self, block_size, **kwargs):
        super().__init__(**kwargs)
        self.block_size = block_size

    def call(self, x):
        batch, height, width, depth = ops.shape(x)
        depth = depth // (self.block_size**2)
        x = ops.reshape(x, [batch, height, width, self.block_size, self.block_size, depth])
        x = ops.transpose(x, [0, 1, 3, 2, 4, 5])
        return ops.reshape(x, [batch, height * self.block_size, width * self.block_size, depth])

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}


"""
## Build the model
"""


@keras.saving.register_keras_serializable()  # harness: so that the .keras file loads back
class EDSRModel(keras.Model):
    def train_step(self, data):
        # Unpack the data. Its structure depends on your model and
        # on what you pass to `fit()`.
        x, y = data

        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        y_pred = self(x, training=True)  # Forward pass
        # Compute the loss value
        # (the loss function is configured in `compile()`)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = [v.value.grad for v in trainable_vars]
        # Update weights
        with torch.no_grad():
            self.optimizer.apply_gradients(zip(gradients, trainable_vars))
        # Update metrics (includes the metric that tracks the loss)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        # Return a dict mapping metric names to current value
        return {m.name: m.result() for m in self.metrics}

    def predict_step(self, x):
        # Adding dummy dimension using ops.expand_dims and converting to float32 using ops.cast
        x = ops.cast(ops.expand_dims(x, axis=0), "float32")
        # Passing low resolution image to model
        super_resolution_img = self(x, training=False)
        # Clips the tensor from min(0) to max(255)
        super_resolution_img = ops.clip(super_resolution_img, 0, 255)
        # Rounds the values of a tensor to the nearest integer
        super_resolution_img = ops.round(super_resolution_img)
        # Removes dimensions of size 1 from the shape of a tensor and converting to uint8
        super_resolution_img = ops.squeeze(
            ops.cast(super_resolution_img, "uint8"), axis=0
        )
        return super_resolution_img


# Residual Block
def ResBlock(inputs):
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)  # harness: 64
    x = layers.Conv2D(8, 3, padding="same")(x)  # harness: 64
    x = layers.Add()([inputs, x])
    return x


# Upsampling Block
def Upsampling(inputs, factor=2, **kwargs):
    x = layers.Conv2D(8 * (factor**2), 3, padding="same", **kwargs)(inputs)  # harness: 64
    x = DepthToSpace(block_size=factor)(x)  # harness: tf.nn.depth_to_space(x, block_size=factor)
    x = layers.Conv2D(8 * (factor**2), 3, padding="same", **kwargs)(x)  # harness: 64
    x = DepthToSpace(block_size=factor)(x)  # harness: tf.nn.depth_to_space(x, block_size=factor)
    return x


def make_model(num_filters, num_of_residual_blocks):
    # Flexible Inputs to input_layer
    input_layer = layers.Input(shape=(None, None, 3))
    # Scaling Pixel Values
    x = layers.Rescaling(scale=1.0 / 255)(input_layer)
    x = x_new = layers.Conv2D(num_filters, 3, padding="same")(x)

    # 16 residual blocks
    for _ in range(num_of_residual_blocks):
        x_new = ResBlock(x_new)

    x_new = layers.Conv2D(num_filters, 3, padding="same")(x_new)
    x = layers.Add()([x, x_new])

    x = Upsampling(x)
    x = layers.Conv2D(3, 3, padding="same")(x)

    output_layer = layers.Rescaling(scale=255)(x)
    return EDSRModel(input_layer, output_layer)


model = make_model(num_filters=8, num_of_residual_blocks=2)  # harness: 64, 16
RESULTS["params"] = model.count_params()
RESULTS["n_layers"] = len(model.layers)
RESULTS["output_shape"] = str(model.output.shape)
RESULTS["layer_classes"] = [type(layer).__name__ for layer in model.layers]
_rs = np.random.RandomState(1)  # harness: equal initial weights on both sides
model.set_weights([_rs.normal(0, 0.05, w.shape).astype("float32")  # harness:
                   for w in model.get_weights()])  # harness:

"""
## Train the model
"""

# Using adam optimizer with initial learning rate as 1e-4, changing learning rate after 5000 steps to 5e-5
optim_edsr = keras.optimizers.Adam(
    learning_rate=keras.optimizers.schedules.PiecewiseConstantDecay(
        boundaries=[3], values=[1e-2, 5e-3]  # harness: [5000], [1e-4, 5e-5]
    )
)
# Compiling model with loss as mean absolute error(L1 Loss) and metric as psnr
model.compile(optimizer=optim_edsr, loss="mae", metrics=[PSNR])
# Training for more epochs will improve results
history = model.fit(
    train_ds[0], train_ds[1],  # harness: the repeated tf.data pipeline
    batch_size=4,  # harness: 16
    epochs=2,  # harness: 100
    steps_per_epoch=2,  # harness: 200
    validation_data=val_ds,
    shuffle=False,  # harness:
    verbose=0,  # harness:
)
RESULTS["history_keys"] = sorted(history.history)
for key, values in history.history.items():
    RESULTS["history_" + key] = values
RESULTS["iterations"] = int(model.optimizer.iterations)
RESULTS["learning_rate"] = float(ops.convert_to_numpy(model.optimizer.learning_rate))
RESULTS["metrics_names"] = [m.name for m in model.metrics]
RESULTS["evaluate"] = model.evaluate(val_ds[0], val_ds[1], batch_size=4, verbose=0)

"""
## Run inference on new images
"""

test_lowres = rng.randint(0, 256, (5, 7, 3)).astype("float32")  # harness: val.take(10), 150x150 crops
preds = model.predict_step(test_lowres)
RESULTS["predict_step_shape"] = list(preds.shape)
RESULTS["predict_step_dtype"] = str(ops.convert_to_numpy(preds).dtype)
RESULTS["predict_step"] = ops.convert_to_numpy(preds)[:, :, 0].astype("float32")
RESULTS["call"] = ops.convert_to_numpy(model(val_ds[0][:2]))[:, ::5, ::5, 0]

model.save("edsr.keras")  # harness: a save/load round trip
reloaded = keras.saving.load_model("edsr.keras", custom_objects={"PSNR": PSNR})
RESULTS["reloaded_class"] = type(reloaded).__name__
RESULTS["reloaded_call"] = ops.convert_to_numpy(reloaded(val_ds[0][:2]))[:, ::5, ::5, 0]
RESULTS["reloaded_predict_step"] = ops.convert_to_numpy(reloaded.predict_step(test_lowres))[:, :, 0].astype("float32")
RTOL, ATOL = 1e-4, 1e-3
