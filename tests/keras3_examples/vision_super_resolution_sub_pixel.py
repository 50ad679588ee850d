"""keras.io examples/vision/super_resolution_sub_pixel.py: ESPCN with a DepthToSpace layer.

Synthetic RGB images stand in for BSDS500; the example's tf.image data
pipeline (rgb_to_yuv, area resize) is written with numpy and keras.ops here
(harness). Model, DepthToSpace layer, ESPCNCallback (PSNR from the test loss),
EarlyStopping/ModelCheckpoint(.keras) and load_weights are as in the example.
"""
import math

import numpy as np
import keras
from keras import layers
from keras import ops

crop_size = 12  # harness: 300
upscale_factor = 3
input_size = crop_size // upscale_factor
batch_size = 4  # harness: 8

rng = np.random.RandomState(0)
images = rng.randint(0, 256, size=(16, crop_size, crop_size, 3)).astype("float32")
test_image = rng.randint(0, 256, size=(15, 18, 3)).astype("float32")


# Scale from (0, 255) to (0, 1)
def scaling(input_image):
    input_image = input_image / 255.0
    return input_image


def rgb_to_y(input):  # harness: the Y channel of tf.image.rgb_to_yuv
    return input @ np.array([[0.299], [0.587], [0.114]], dtype="float32")


# Use TF Ops to process.
def process_input(input, input_size, upscale_factor):
    y = rgb_to_y(input)
    return ops.image.resize(y, [input_size, input_size], interpolation="bilinear",
                            antialias=True)  # harness: method="area" in tf


def process_target(input):
    return rgb_to_y(input)


train_images = scaling(images[:12])
valid_images = scaling(images[12:])
x_train = ops.convert_to_numpy(process_input(train_images, input_size, upscale_factor))
y_train = process_target(train_images)
x_valid = ops.convert_to_numpy(process_input(valid_images, input_size, upscale_factor))
y_valid = process_target(valid_images)

"""
## Build a model
"""


class DepthToSpace(layers.Layer):
    def __init__(self, block_size):
        super().__init__()
        self.block_size = block_size

    def call(self, input):
        batch, height, width, depth = ops.shape(input)
        depth = depth // (self.block_size**2)

        x = ops.reshape(
            input, [batch, height, width, self.block_size, self.block_size, depth]
        )
        x = ops.transpose(x, [0, 1, 3, 2, 4, 5])
        x = ops.reshape(
            x, [batch, height * self.block_size, width * self.block_size, depth]
        )
        return x


def get_model(upscale_factor=3, channels=1):
    conv_args = {
        "activation": "relu",
        "kernel_initializer": "orthogonal",
        "padding": "same",
    }
    inputs = keras.Input(shape=(None, None, channels))
    x = layers.Conv2D(16, 5, **conv_args)(inputs)  # harness: 64 filters
    x = layers.Conv2D(16, 3, **conv_args)(x)  # harness: 64 filters
    x = layers.Conv2D(8, 3, **conv_args)(x)  # harness: 32 filters
    x = layers.Conv2D(channels * (upscale_factor**2), 3, **conv_args)(x)
    outputs = DepthToSpace(upscale_factor)(x)

    return keras.Model(inputs, outputs)


"""
## Define utility functions
"""


def upscale_image(model, y):
    """Predict the result based on input image and restore the image as RGB."""
    input = np.expand_dims(y, axis=0)
    out = model.predict(input)
    out_img_y = out[0]
    out_img_y *= 255.0
    # Restore the image in RGB color space.
    out_img_y = out_img_y.clip(0, 255)
    return out_img_y


"""
## Define callbacks to monitor training
"""

psnr_per_epoch = []
test_lowres = ops.convert_to_numpy(ops.image.resize(  # harness: get_lowres_image with PIL in the original
    rgb_to_y(scaling(test_image[None])), (15 // upscale_factor, 18 // upscale_factor),
    interpolation="bicubic"))[0]


class ESPCNCallback(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.test_img = test_lowres

    # Store PSNR value in each epoch.
    def on_epoch_begin(self, epoch, logs=None):
        self.psnr = []

    def on_epoch_end(self, epoch, logs=None):
        print("Mean PSNR for epoch: %.2f" % (np.mean(self.psnr)))  # noqa: UP031 (as the example)
        psnr_per_epoch.append(np.mean(self.psnr))
        if epoch % 20 == 0:
            prediction = upscale_image(self.model, self.test_img)
            self.prediction = prediction

    def on_test_batch_end(self, batch, logs=None):
        self.psnr.append(10 * math.log10(1 / logs["loss"]))


early_stopping_callback = keras.callbacks.EarlyStopping(monitor="loss", patience=10)

checkpoint_filepath = "checkpoint.keras"  # harness: /tmp/checkpoint.keras

model_checkpoint_callback = keras.callbacks.ModelCheckpoint(
    filepath=checkpoint_filepath,
    save_weights_only=False,
    monitor="loss",
    mode="min",
    save_best_only=True,
)

model = get_model(upscale_factor=upscale_factor, channels=1)
model.summary()

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])

espcn_callback = ESPCNCallback()
callbacks = [espcn_callback, early_stopping_callback, model_checkpoint_callback]
loss_fn = keras.losses.MeanSquaredError()
optimizer = keras.optimizers.Adam(learning_rate=0.001)

"""
## Train the model
"""

epochs = 2  # harness: 100

model.compile(
    optimizer=optimizer,
    loss=loss_fn,
)

history = model.fit(
    x_train, y_train, batch_size=batch_size, epochs=epochs, callbacks=callbacks,
    validation_data=(x_valid, y_valid), verbose=2,
    shuffle=False,  # harness: batch order equal in both libraries
)

# The model weights (that are considered the best) are loaded into the model.
model.load_weights(checkpoint_filepath)

"""
## Run model prediction and plot the results
"""

highres = scaling(test_image)
prediction = upscale_image(model, test_lowres)
bicubic = ops.image.resize(test_lowres[None], (15, 18), interpolation="bicubic")[0] * 255.0
highres_y = process_target(highres) * 255.0
bicubic_psnr = ops.psnr(bicubic, highres_y, max_val=255.0)
test_psnr = ops.psnr(prediction, highres_y, max_val=255.0)
print("PSNR of low resolution image and high resolution image is %.4f" % bicubic_psnr)  # noqa: UP031
print("PSNR of predict and high resolution is %.4f" % test_psnr)  # noqa: UP031

# DepthToSpace.__init__ takes no **kwargs, so the whole-model file cannot be deserialized
try:
    keras.models.load_model(checkpoint_filepath, custom_objects={"DepthToSpace": DepthToSpace})
    load_model_error = "none"
except Exception as e:
    load_model_error = "TypeError" if isinstance(e, TypeError) else type(e).__name__
    print(e)

RESULTS = {
    "x_train": x_train[:2],
    "params": model.count_params(),
    "symbolic_output_shape": str(tuple(model.output.shape)),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
    "psnr_per_epoch": psnr_per_epoch,
    "epoch0_prediction": espcn_callback.prediction,
    "prediction": prediction,
    "prediction_shape": list(prediction.shape),
    "bicubic_psnr": float(bicubic_psnr),
    "test_psnr": float(test_psnr),
    "load_model_error": load_model_error,
    "valid_predict": model.predict(x_valid, verbose=0),
}
RTOL, ATOL = 1e-4, 1e-4
