"""keras.io example "A Vision Transformer without Attention" (examples/vision/shiftvit.py).

Custom layers built lazily in ``build`` (``MLP`` holding a ``Sequential`` made in
``build``, ``ShiftViTBlock`` reading ``H, W, C`` from the build shape and choosing
``DropPath`` or ``Activation("linear")``, ``PatchMerging``, ``StackedShiftBlocks``
with a ``get_config``); the shift operation (``split`` into channel groups,
crop + pad each of four groups, ``concatenate``); the subclassed
``ShiftViTModel`` with a ``Sequential`` augmentation model, a list of stages,
a ``_calculate_loss`` helper shared by a custom ``train_step`` (gradients applied
to a flat list gathered from each sub-layer's ``trainable_variables``) and
``test_step``, and a ``call`` used to build it; the ``WarmUpCosine``
``LearningRateSchedule`` subclass (``cos``/``where`` on the step) driving
``AdamW``; ``SparseTopKCategoricalAccuracy(5, name="top-5-accuracy")``;
``EarlyStopping(monitor="val_accuracy")``; evaluate unpacked into three numbers.
The example's ``tf.*`` ops are their ``keras.ops`` equivalents (``tf.image``
crop/pad to bounding box -> ``ops.image.crop_images``/``pad_images``) and its
``tf.GradientTape`` step is written the torch way; ``compiled_loss`` and
``compiled_metrics`` exist only on Keras 3's TensorFlow backend, so the step uses
``compute_loss`` and the metrics of ``self.metrics`` as Keras's guide does.
Harness changes (``# harness:``): tiny sizes, synthetic CIFAR-10, no random
crop/flip (the resize goes to the crop size and the flip is left out) and no
dropout/stochastic depth, seeded weights, ``model.export``/``TFSMLayer`` (TF
SavedModel) replaced by a weights round trip, no plotting.
"""

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

# Setting seed for reproducibiltiy
SEED = 42
keras.utils.set_random_seed(SEED)

"""
## Hyperparameters
"""


class Config(object):
    # DATA
    batch_size = 8  # harness: 256
    buffer_size = batch_size * 2
    input_shape = (8, 8, 3)  # harness: (32, 32, 3)
    num_classes = 10

    # AUGMENTATION
    image_size = 8  # harness: 48

    # ARCHITECTURE
    patch_size = 2  # harness: 4
    projected_dim = 8  # harness: 96
    num_shift_blocks_per_stages = [1, 2]  # harness: [2, 4, 8, 2]
    epsilon = 1e-5
    stochastic_depth_rate = 0.0  # harness: 0.2 (random)
    mlp_dropout_rate = 0.0  # harness: 0.2 (random)
    num_div = 2  # harness: 12
    shift_pixel = 1
    mlp_expand_ratio = 2

    # OPTIMIZER
    lr_start = 1e-5
    lr_max = 1e-3
    weight_decay = 1e-4

    # TRAINING
    epochs = 2  # harness: 100


config = Config()

"""
## Synthetic CIFAR-10 (numpy arrays in place of tf.data)
"""

rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, (24, 8, 8, 3)).astype("uint8")
y_train = rng.randint(0, 10, (24, 1)).astype("uint8")
x_val = rng.randint(0, 256, (8, 8, 8, 3)).astype("uint8")
y_val = rng.randint(0, 10, (8, 1)).astype("uint8")
x_test = rng.randint(0, 256, (8, 8, 8, 3)).astype("uint8")
y_test = rng.randint(0, 10, (8, 1)).astype("uint8")

"""
## Data Augmentation
"""


def get_augmentation_model():
    """Build the data augmentation model."""
    data_augmentation = keras.Sequential(
        [
            layers.Resizing(config.input_shape[0], config.input_shape[0]),  # harness: + 20
            layers.RandomCrop(config.image_size, config.image_size),
            # harness: layers.RandomFlip("horizontal") left out (random)
            layers.Rescaling(1 / 255.0),
        ]
    )
    return data_augmentation


"""
## The ShiftViT architecture
"""


class MLP(layers.Layer):
    """Get the MLP layer for each shift block."""

    def __init__(self, mlp_expand_ratio, mlp_dropout_rate, **kwargs):
        super().__init__(**kwargs)
        self.mlp_expand_ratio = mlp_expand_ratio
        self.mlp_dropout_rate = mlp_dropout_rate

    def build(self, input_shape):
        input_channels = input_shape[-1]
        initial_filters = int(self.mlp_expand_ratio * input_channels)

        self.mlp = keras.Sequential(
            [
                layers.Dense(
                    units=initial_filters,
                    activation=keras.activations.gelu,
                ),
                layers.Dropout(rate=self.mlp_dropout_rate),
                layers.Dense(units=input_channels),
                layers.Dropout(rate=self.mlp_dropout_rate),
            ]
        )

    def call(self, x):
        x = self.mlp(x)
        return x


class DropPath(layers.Layer):
    """Drop Path also known as the Stochastic Depth layer."""

    def __init__(self, drop_path_prob, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_prob = drop_path_prob
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, x, training=False):
        if training:
            keep_prob = 1 - self.drop_path_prob
            shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
            random_tensor = keep_prob + keras.random.uniform(
                shape, 0, 1, seed=self.seed_generator
            )
            random_tensor = ops.floor(random_tensor)
            return (x / keep_prob) * random_tensor
        return x


class ShiftViTBlock(layers.Layer):
    """A unit ShiftViT Block"""

    def __init__(
        self,
        epsilon,
        drop_path_prob,
        mlp_dropout_rate,
        num_div=12,
        shift_pixel=1,
        mlp_expand_ratio=2,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.shift_pixel = shift_pixel
        self.mlp_expand_ratio = mlp_expand_ratio
        self.mlp_dropout_rate = mlp_dropout_rate
        self.num_div = num_div
        self.epsilon = epsilon
        self.drop_path_prob = drop_path_prob

    def build(self, input_shape):
        self.H = input_shape[1]
        self.W = input_shape[2]
        self.C = input_shape[3]
        self.layer_norm = layers.LayerNormalization(epsilon=self.epsilon)
        self.drop_path = (
            DropPath(drop_path_prob=self.drop_path_prob)
            if self.drop_path_prob > 0.0
            else layers.Activation("linear")
        )
        self.mlp = MLP(
            mlp_expand_ratio=self.mlp_expand_ratio,
            mlp_dropout_rate=self.mlp_dropout_rate,
        )

    def get_shift_pad(self, x, mode):
        """Shifts the channels according to the mode chosen."""
        if mode == "left":
            offset_height = 0
            offset_width = 0
            target_height = 0
            target_width = self.shift_pixel
        elif mode == "right":
            offset_height = 0
            offset_width = self.shift_pixel
            target_height = 0
            target_width = self.shift_pixel
        elif mode == "up":
            offset_height = 0
            offset_width = 0
            target_height = self.shift_pixel
            target_width = 0
        else:
            offset_height = self.shift_pixel
            offset_width = 0
            target_height = self.shift_pixel
            target_width = 0
        crop = ops.image.crop_images(
            x,
            top_cropping=offset_height,
            left_cropping=offset_width,
            target_height=self.H - target_height,
            target_width=self.W - target_width,
        )
        shift_pad = ops.image.pad_images(
            crop,
            top_padding=offset_height,
            left_padding=offset_width,
            target_height=self.H,
            target_width=self.W,
        )
        return shift_pad

    def call(self, x, training=False):
        # Split the feature maps
        x_splits = ops.split(x, indices_or_sections=self.C // self.num_div, axis=-1)

        # Shift the feature maps
        x_splits[0] = self.get_shift_pad(x_splits[0], mode="left")
        x_splits[1] = self.get_shift_pad(x_splits[1], mode="right")
        x_splits[2] = self.get_shift_pad(x_splits[2], mode="up")
        x_splits[3] = self.get_shift_pad(x_splits[3], mode="down")

        # Concatenate the shifted and unshifted feature maps
        x = ops.concatenate(x_splits, axis=-1)

        # Add the residual connection
        shortcut = x
        x = shortcut + self.drop_path(self.mlp(self.layer_norm(x)), training=training)
        return x


class PatchMerging(layers.Layer):
    """The Patch Merging layer."""

    def __init__(self, epsilon, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        filters = 2 * input_shape[-1]
        self.reduction = layers.Conv2D(
            filters=filters, kernel_size=2, strides=2, padding="same", use_bias=False
        )
        self.layer_norm = layers.LayerNormalization(epsilon=self.epsilon)

    def call(self, x):
        # Apply the patch merging algorithm on the feature maps
        x = self.layer_norm(x)
        x = self.reduction(x)
        return x


# Note: This layer will have a different depth of stacking
# for different stages on the model.
class StackedShiftBlocks(layers.Layer):
    """The layer containing stacked ShiftViTBlocks."""

    def __init__(
        self,
        epsilon,
        mlp_dropout_rate,
        num_shift_blocks,
        stochastic_depth_rate,
        is_merge,
        num_div=12,
        shift_pixel=1,
        mlp_expand_ratio=2,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.epsilon = epsilon
        self.mlp_dropout_rate = mlp_dropout_rate
        self.num_shift_blocks = num_shift_blocks
        self.stochastic_depth_rate = stochastic_depth_rate
        self.is_merge = is_merge
        self.num_div = num_div
        self.shift_pixel = shift_pixel
        self.mlp_expand_ratio = mlp_expand_ratio

    def build(self, input_shapes):
        # Calculate stochastic depth probabilities.
        dpr = [
            x
            for x in np.linspace(
                start=0, stop=self.stochastic_depth_rate, num=self.num_shift_blocks
            )
        ]

        # Build the shift blocks as a list of ShiftViT Blocks
        self.shift_blocks = list()
        for num in range(self.num_shift_blocks):
            self.shift_blocks.append(
                ShiftViTBlock(
                    num_div=self.num_div,
                    epsilon=self.epsilon,
                    drop_path_prob=dpr[num],
                    mlp_dropout_rate=self.mlp_dropout_rate,
                    shift_pixel=self.shift_pixel,
                    mlp_expand_ratio=self.mlp_expand_ratio,
                )
            )
        if self.is_merge:
            self.patch_merge = PatchMerging(epsilon=self.epsilon)

    def call(self, x, training=False):
        for shift_block in self.shift_blocks:
            x = shift_block(x, training=training)
        if self.is_merge:
            x = self.patch_merge(x)
        return x

    # Since this is a custom layer, we need to overwrite get_config()
    # so that model can be easily saved & loaded after training
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "epsilon": self.epsilon,
                "mlp_dropout_rate": self.mlp_dropout_rate,
                "num_shift_blocks": self.num_shift_blocks,
                "stochastic_depth_rate": self.stochastic_depth_rate,
                "is_merge": self.is_merge,
                "num_div": self.num_div,
                "shift_pixel": self.shift_pixel,
                "mlp_expand_ratio": self.mlp_expand_ratio,
            }
        )
        return config


"""
## The ShiftViT model
"""


class ShiftViTModel(keras.Model):
    """The ShiftViT Model."""

    def __init__(
        self,
        data_augmentation,
        projected_dim,
        patch_size,
        num_shift_blocks_per_stages,
        epsilon,
        mlp_dropout_rate,
        stochastic_depth_rate,
        num_div=12,
        shift_pixel=1,
        mlp_expand_ratio=2,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.data_augmentation = data_augmentation
        self.patch_projection = layers.Conv2D(
            filters=projected_dim,
            kernel_size=patch_size,
            strides=patch_size,
            padding="same",
        )
        self.stages = list()
        for index, num_shift_blocks in enumerate(num_shift_blocks_per_stages):
            if index == len(num_shift_blocks_per_stages) - 1:
                # This is the last stage, do not use the patch merge here.
                is_merge = False
            else:
                is_merge = True
            # Build the stages.
            self.stages.append(
                StackedShiftBlocks(
                    epsilon=epsilon,
                    mlp_dropout_rate=mlp_dropout_rate,
                    num_shift_blocks=num_shift_blocks,
                    stochastic_depth_rate=stochastic_depth_rate,
                    is_merge=is_merge,
                    num_div=num_div,
                    shift_pixel=shift_pixel,
                    mlp_expand_ratio=mlp_expand_ratio,
                )
            )
        self.global_avg_pool = layers.GlobalAveragePooling2D()

        self.classifier = layers.Dense(config.num_classes)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "data_augmentation": self.data_augmentation,
                "patch_projection": self.patch_projection,
                "stages": self.stages,
                "global_avg_pool": self.global_avg_pool,
                "classifier": self.classifier,
            }
        )
        return config

    def _calculate_loss(self, data, training=False):
        (images, labels) = data

        # Augment the images
        augmented_images = self.data_augmentation(images, training=training)

        # Create patches and project the pathces.
        projected_patches = self.patch_projection(augmented_images)

        # Pass through the stages
        x = projected_patches
        for stage in self.stages:
            x = stage(x, training=training)

        # Get the logits.
        x = self.global_avg_pool(x)
        logits = self.classifier(x)

        # Calculate the loss and return it.
        total_loss = self.compute_loss(y=labels, y_pred=logits)  # harness: self.compiled_loss(labels, logits)
        return total_loss, labels, logits

    def train_step(self, inputs):
        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        total_loss, labels, logits = self._calculate_loss(
            data=inputs, training=True
        )

        # Apply gradients.
        train_vars = [
            self.data_augmentation.trainable_variables,
            self.patch_projection.trainable_variables,
            self.global_avg_pool.trainable_variables,
            self.classifier.trainable_variables,
        ]
        train_vars = train_vars + [stage.trainable_variables for stage in self.stages]

        # Optimize the gradients.
        total_loss.backward()  # torch: instead of tape.gradient(total_loss, train_vars)
        grads = [[v.value.grad for v in var] for var in train_vars]
        trainable_variable_list = []
        for grad, var in zip(grads, train_vars):
            for g, v in zip(grad, var):
                trainable_variable_list.append((g, v))
        with torch.no_grad():
            self.optimizer.apply_gradients(trainable_variable_list)

        # Update the metrics
        for metric in self.metrics:  # harness: self.compiled_metrics.update_state(labels, logits)
            if metric.name == "loss":
                metric.update_state(total_loss)
            else:
                metric.update_state(labels, logits)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        total_loss, labels, logits = self._calculate_loss(data=data, training=False)

        # Update the metrics
        for metric in self.metrics:  # harness: self.compiled_metrics.update_state(labels, logits)
            if metric.name == "loss":
                metric.update_state(total_loss)
            else:
                metric.update_state(labels, logits)
        return {m.name: m.result() for m in self.metrics}

    def call(self, images):
        augmented_images = self.data_augmentation(images)
        x = self.patch_projection(augmented_images)
        for stage in self.stages:
            x = stage(x, training=False)
        x = self.global_avg_pool(x)
        logits = self.classifier(x)
        return logits


"""
## Instantiate the model
"""

model = ShiftViTModel(
    data_augmentation=get_augmentation_model(),
    projected_dim=config.projected_dim,
    patch_size=config.patch_size,
    num_shift_blocks_per_stages=config.num_shift_blocks_per_stages,
    epsilon=config.epsilon,
    mlp_dropout_rate=config.mlp_dropout_rate,
    stochastic_depth_rate=config.stochastic_depth_rate,
    num_div=config.num_div,
    shift_pixel=config.shift_pixel,
    mlp_expand_ratio=config.mlp_expand_ratio,
)

"""
## Learning rate schedule
"""


# Some code is taken from:
# https://www.kaggle.com/ashusma/training-rfcx-tensorflow-tpu-effnet-b2.
class WarmUpCosine(keras.optimizers.schedules.LearningRateSchedule):
    """A LearningRateSchedule that uses a warmup cosine decay schedule."""

    def __init__(self, lr_start, lr_max, warmup_steps, total_steps):
        super().__init__()
        self.lr_start = lr_start
        self.lr_max = lr_max
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.pi = ops.array(np.pi)

    def __call__(self, step):
        # Check whether the total number of steps is larger than the warmup
        # steps. If not, then throw a value error.
        if self.total_steps < self.warmup_steps:
            raise ValueError(
                f"Total number of steps {self.total_steps} must be"
                + f"larger or equal to warmup steps {self.warmup_steps}."
            )

        # `cos_annealed_lr` is a graph that increases to 1 from the initial
        # step to the warmup step. After that this graph decays to -1 at the
        # final step mark.
        cos_annealed_lr = ops.cos(
            self.pi
            * (ops.cast(step, "float32") - self.warmup_steps)
            / ops.cast(self.total_steps - self.warmup_steps, "float32")
        )

        # Shift the mean of the `cos_annealed_lr` graph to 1. Now the grpah goes
        # from 0 to 2. Normalize the graph with 0.5 so that now it goes from 0
        # to 1. With the normalized graph we scale it with `lr_max` such that
        # it goes from 0 to `lr_max`
        learning_rate = 0.5 * self.lr_max * (1 + cos_annealed_lr)

        # Check whether warmup_steps is more than 0.
        if self.warmup_steps > 0:
            # Check whether lr_max is larger that lr_start. If not, throw a value
            # error.
            if self.lr_max < self.lr_start:
                raise ValueError(
                    f"lr_start {self.lr_start} must be smaller or"
                    + f"equal to lr_max {self.lr_max}."
                )

            # Calculate the slope with which the learning rate should increase
            # in the warumup schedule. The formula for slope is m = ((b-a)/steps)
            slope = (self.lr_max - self.lr_start) / self.warmup_steps

            # With the formula for a straight line (y = mx+c) build the warmup
            # schedule
            warmup_rate = slope * ops.cast(step, "float32") + self.lr_start

            # When the current step is lesser that warmup steps, get the line
            # graph. When the current step is greater than the warmup steps, get
            # the scaled cos graph.
            learning_rate = ops.where(
                step < self.warmup_steps, warmup_rate, learning_rate
            )

        # When the current step is more that the total steps, return 0 else return
        # the calculated graph.
        return ops.where(step > self.total_steps, 0.0, learning_rate)

    def get_config(self):
        config = {
            "lr_start": self.lr_start,
            "lr_max": self.lr_max,
            "total_steps": self.total_steps,
            "warmup_steps": self.warmup_steps,
        }
        return config


"""
## Compile and train the model
"""

# pass sample data to the model so that input shape is available at the time of
# saving the model
sample_ds = x_train[: config.batch_size]  # harness: next(iter(train_ds))
model(sample_ds, training=False)
RESULTS["params"] = model.count_params()
RESULTS["weight_shapes"] = str([tuple(w.shape) for w in model.weights])
RESULTS["stage_config"] = str(sorted(model.stages[0].get_config().items()))
_rs = np.random.RandomState(1)  # harness: equal initial weights on both sides
model.set_weights([_rs.normal(0, 0.3, w.shape).astype("float32")  # harness:
                   for w in model.get_weights()])  # harness:

# Get the total number of steps for training.
total_steps = int((len(x_train) / config.batch_size) * config.epochs)

# Calculate the number of steps for warmup.
warmup_epoch_percentage = 0.4  # harness: 0.15
warmup_steps = int(total_steps * warmup_epoch_percentage)

# Initialize the warmupcosine schedule.
scheduled_lrs = WarmUpCosine(
    lr_start=1e-5,
    lr_max=1e-2,  # harness: 1e-3
    warmup_steps=warmup_steps,
    total_steps=total_steps,
)
RESULTS["lrs"] = [float(ops.convert_to_numpy(scheduled_lrs(step))) for step in range(8)]

# Get the optimizer.
optimizer = keras.optimizers.AdamW(
    learning_rate=scheduled_lrs, weight_decay=config.weight_decay
)

# Compile and pretrain the model.
model.compile(
    optimizer=optimizer,
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[
        keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
        keras.metrics.SparseTopKCategoricalAccuracy(5, name="top-5-accuracy"),
    ],
)

# Train the model
history = model.fit(
    x_train, y_train,  # harness: train_ds
    batch_size=config.batch_size,  # harness:
    epochs=config.epochs,
    validation_data=(x_val, y_val),
    shuffle=False,  # harness:
    verbose=0,  # harness:
    callbacks=[
        keras.callbacks.EarlyStopping(
            monitor="val_accuracy",
            patience=5,
            mode="auto",
        )
    ],
)
RESULTS["history_keys"] = sorted(history.history)
for key, values in history.history.items():
    RESULTS["history_" + key] = values
RESULTS["iterations"] = int(model.optimizer.iterations)

# Evaluate the model with the test dataset.
loss, acc_top1, acc_top5 = model.evaluate(x_test, y_test, batch_size=config.batch_size, verbose=0)
RESULTS["evaluate"] = [loss, acc_top1, acc_top5]

"""
## Save the trained weights and load them back (in place of model.export / TFSMLayer)
"""
model.save_weights("shiftvit.weights.h5")  # harness: model.export("ShiftViT")
logits = model.predict(x_test, verbose=0)
RESULTS["logits"] = logits[:3]
probabilities = ops.convert_to_numpy(ops.softmax(logits))
RESULTS["predicted"] = np.argmax(probabilities, axis=-1)
for _w in model.weights:  # harness: scramble, then restore from the file
    _w.assign(np.zeros(_w.shape, "float32"))  # harness:
model.load_weights("shiftvit.weights.h5")  # harness: keras.layers.TFSMLayer("ShiftViT")
RESULTS["reloaded_logits"] = model.predict(x_test, verbose=0)[:3]
RTOL, ATOL = 1e-4, 1e-5
