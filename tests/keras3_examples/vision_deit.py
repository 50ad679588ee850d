"""keras.io example "Distilling Vision Transformers" (examples/vision/deit.py).

``StochasticDepth`` (``call(x, training=True)``); functional pre-norm
transformer blocks (``MultiHeadAttention``, ``LayerNormalization``, ``Add``);
``ViTClassifier``, a subclassed model with a Sequential conv patchifier, a
positional embedding and a CLS token as ``Variable`` attributes, and
``ViTDistilled`` extending it with a distillation token (re-assigning
``positional_embedding`` and ``head``) and a ``call(inputs, training=True)``
that returns two logits while training and their mean otherwise; the ``DeiT``
distiller with ``super().metrics`` extended by two ``Mean`` trackers, its own
``compile(optimizer, metrics, student_loss_fn, distillation_loss_fn)``,
``train_step``/``test_step`` and ``call``; ``AdamW``; label smoothing.
Harness changes: ``tf`` ops in ``keras.ops``, ``tf.Variable`` as
``keras.Variable``, the ``tf.GradientTape`` step written the torch way,
``self.compiled_metrics.update_state`` (gone in Keras 3) as
``self.compute_metrics``, a small CNN teacher in place of the downloaded BiT
model, drop-path rate 0 (stochastic depth checked separately), tiny sizes;
synthetic 16x16 tf_flowers.
"""

from typing import List

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Constants
"""

# Model
MODEL_TYPE = "deit_distilled_tiny_patch16_224"
RESOLUTION = 16  # harness: 224
PATCH_SIZE = 4  # harness: 16
NUM_PATCHES = (RESOLUTION // PATCH_SIZE) ** 2
LAYER_NORM_EPS = 1e-6
PROJECTION_DIM = 8  # harness: 192
NUM_HEADS = 2  # harness: 3
NUM_LAYERS = 2  # harness: 12
MLP_UNITS = [
    PROJECTION_DIM * 4,
    PROJECTION_DIM,
]
DROPOUT_RATE = 0.0
DROP_PATH_RATE = 0.0  # harness: 0.1 (random)

# Training
NUM_EPOCHS = 2  # harness: 20
BASE_LR = 0.0005
WEIGHT_DECAY = 0.0001

# Data
BATCH_SIZE = 8  # harness: 256
NUM_CLASSES = 5

rng = np.random.RandomState(0)  # harness: synthetic tf_flowers, resized, labels one-hot
x_train = rng.randint(0, 256, size=(24, RESOLUTION, RESOLUTION, 3)).astype("float32")
y_train = np.eye(NUM_CLASSES, dtype="float32")[rng.randint(0, NUM_CLASSES, size=24)]
x_val = rng.randint(0, 256, size=(8, RESOLUTION, RESOLUTION, 3)).astype("float32")
y_val = np.eye(NUM_CLASSES, dtype="float32")[rng.randint(0, NUM_CLASSES, size=8)]

"""
## Implementing the DeiT variants of ViT
"""


# Referred from: github.com:rwightman/pytorch-image-models.
class StochasticDepth(layers.Layer):
    def __init__(self, drop_prop, **kwargs):
        super().__init__(**kwargs)
        self.drop_prob = drop_prop

    def call(self, x, training=True):
        if training:
            keep_prob = 1 - self.drop_prob
            shape = (ops.shape(x)[0],) + (1,) * (len(ops.shape(x)) - 1)
            random_tensor = keep_prob + keras.random.uniform(shape, 0, 1)
            random_tensor = ops.floor(random_tensor)
            return (x / keep_prob) * random_tensor
        return x


_x = ops.convert_to_tensor(rng.normal(size=(64, 3)).astype("float32"))
_dropped = ops.convert_to_numpy(StochasticDepth(0.5)(_x))  # training defaults to True
RESULTS["stochastic_depth_inference_is_identity"] = bool(np.array_equal(
    ops.convert_to_numpy(StochasticDepth(0.5)(_x, training=False)), ops.convert_to_numpy(_x)))
RESULTS["stochastic_depth_rows_dropped_or_scaled"] = bool(all(
    np.allclose(r, 0) or np.allclose(r, 2 * x) for r, x in zip(_dropped, ops.convert_to_numpy(_x))))
RESULTS["stochastic_depth_drops_some"] = bool(0 < sum(np.allclose(r, 0) for r in _dropped) < 64)


def mlp(x, dropout_rate: float, hidden_units: List):
    """FFN for a Transformer block."""
    # Iterate over the hidden units and
    # add Dense => Dropout.
    for idx, units in enumerate(hidden_units):
        x = layers.Dense(
            units,
            activation=ops.gelu if idx == 0 else None,
        )(x)
        x = layers.Dropout(dropout_rate)(x)
    return x


def transformer(drop_prob: float, name: str) -> keras.Model:
    """Transformer block with pre-norm."""
    num_patches = NUM_PATCHES + 2 if "distilled" in MODEL_TYPE else NUM_PATCHES + 1
    encoded_patches = layers.Input((num_patches, PROJECTION_DIM))

    # Layer normalization 1.
    x1 = layers.LayerNormalization(epsilon=LAYER_NORM_EPS)(encoded_patches)

    # Multi Head Self Attention layer 1.
    attention_output = layers.MultiHeadAttention(
        num_heads=NUM_HEADS,
        key_dim=PROJECTION_DIM,
        dropout=DROPOUT_RATE,
    )(x1, x1)
    attention_output = (
        StochasticDepth(drop_prob)(attention_output) if drop_prob else attention_output
    )

    # Skip connection 1.
    x2 = layers.Add()([attention_output, encoded_patches])

    # Layer normalization 2.
    x3 = layers.LayerNormalization(epsilon=LAYER_NORM_EPS)(x2)

    # MLP layer 1.
    x4 = mlp(x3, hidden_units=MLP_UNITS, dropout_rate=DROPOUT_RATE)
    x4 = StochasticDepth(drop_prob)(x4) if drop_prob else x4

    # Skip connection 2.
    outputs = layers.Add()([x2, x4])

    return keras.Model(encoded_patches, outputs, name=name)


class ViTClassifier(keras.Model):
    """Vision Transformer base class."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

        # Patchify + linear projection + reshaping.
        self.projection = keras.Sequential(
            [
                layers.Conv2D(
                    filters=PROJECTION_DIM,
                    kernel_size=(PATCH_SIZE, PATCH_SIZE),
                    strides=(PATCH_SIZE, PATCH_SIZE),
                    padding="VALID",
                    name="conv_projection",
                ),
                layers.Reshape(
                    target_shape=(NUM_PATCHES, PROJECTION_DIM),
                    name="flatten_projection",
                ),
            ],
            name="projection",
        )

        # Positional embedding.
        init_shape = (
            1,
            NUM_PATCHES + 1,
            PROJECTION_DIM,
        )
        self.positional_embedding = keras.Variable(
            ops.zeros(init_shape), name="pos_embedding"
        )

        # Transformer blocks.
        dpr = [x for x in ops.linspace(0.0, DROP_PATH_RATE, NUM_LAYERS)]
        self.transformer_blocks = [
            transformer(drop_prob=dpr[i], name=f"transformer_block_{i}")
            for i in range(NUM_LAYERS)
        ]

        # CLS token.
        initial_value = ops.zeros((1, 1, PROJECTION_DIM))
        self.cls_token = keras.Variable(
            initializer=initial_value, trainable=True, name="cls"
        )  # harness: tf.Variable's `initial_value=` is Keras 3's `initializer=`

        # Other layers.
        self.dropout = layers.Dropout(DROPOUT_RATE)
        self.layer_norm = layers.LayerNormalization(epsilon=LAYER_NORM_EPS)
        self.head = layers.Dense(
            NUM_CLASSES,
            name="classification_head",
        )

    def call(self, inputs, training=True):
        n = ops.shape(inputs)[0]

        # Create patches and project the patches.
        projected_patches = self.projection(inputs)

        # Append class token if needed.
        cls_token = ops.tile(self.cls_token, (n, 1, 1))
        cls_token = ops.cast(cls_token, projected_patches.dtype)
        projected_patches = ops.concatenate([cls_token, projected_patches], axis=1)

        # Add positional embeddings to the projected patches.
        encoded_patches = (
            self.positional_embedding + projected_patches
        )  # (B, number_patches, projection_dim)
        encoded_patches = self.dropout(encoded_patches)

        # Iterate over the number of layers and stack up blocks of
        # Transformer.
        for transformer_module in self.transformer_blocks:
            # Add a Transformer block.
            encoded_patches = transformer_module(encoded_patches)

        # Final layer normalization.
        representation = self.layer_norm(encoded_patches)

        # Pool representation.
        encoded_patches = representation[:, 0]

        # Classification head.
        output = self.head(encoded_patches)
        return output


class ViTDistilled(ViTClassifier):
    def __init__(self, regular_training=False, **kwargs):
        super().__init__(**kwargs)
        self.num_tokens = 2
        self.regular_training = regular_training

        # CLS and distillation tokens, positional embedding.
        init_value = ops.zeros((1, 1, PROJECTION_DIM))
        self.dist_token = keras.Variable(init_value, name="dist_token")
        self.positional_embedding = keras.Variable(
            ops.zeros(
                (
                    1,
                    NUM_PATCHES + self.num_tokens,
                    PROJECTION_DIM,
                )
            ),
            name="pos_embedding",
        )

        # Head layers.
        self.head = layers.Dense(
            NUM_CLASSES,
            name="classification_head",
        )
        self.head_dist = layers.Dense(
            NUM_CLASSES,
            name="distillation_head",
        )

    def call(self, inputs, training=True):
        n = ops.shape(inputs)[0]

        # Create patches and project the patches.
        projected_patches = self.projection(inputs)

        # Append the tokens.
        cls_token = ops.tile(self.cls_token, (n, 1, 1))
        dist_token = ops.tile(self.dist_token, (n, 1, 1))
        cls_token = ops.cast(cls_token, projected_patches.dtype)
        dist_token = ops.cast(dist_token, projected_patches.dtype)
        projected_patches = ops.concatenate(
            [cls_token, dist_token, projected_patches], axis=1
        )

        # Add positional embeddings to the projected patches.
        encoded_patches = (
            self.positional_embedding + projected_patches
        )  # (B, number_patches, projection_dim)
        encoded_patches = self.dropout(encoded_patches)

        # Iterate over the number of layers and stack up blocks of
        # Transformer.
        for transformer_module in self.transformer_blocks:
            # Add a Transformer block.
            encoded_patches = transformer_module(encoded_patches)

        # Final layer normalization.
        representation = self.layer_norm(encoded_patches)

        # Classification heads.
        x, x_dist = (
            self.head(representation[:, 0]),
            self.head_dist(representation[:, 1]),
        )

        if not training or self.regular_training:
            # During standard train / finetune, inference average the classifier
            # predictions.
            return (x + x_dist) / 2

        elif training:
            # Only return separate classification predictions when training in distilled
            # mode.
            return x, x_dist


deit_tiny_distilled = ViTDistilled()

dummy_inputs = ops.ones((2, RESOLUTION, RESOLUTION, 3))
outputs = deit_tiny_distilled(dummy_inputs, training=False)
print(outputs.shape)
RESULTS["inference_output_shape"] = list(outputs.shape)
RESULTS["training_output_shapes"] = [list(t.shape) for t in deit_tiny_distilled(dummy_inputs)]


"""
## Implementing the trainer
"""


class DeiT(keras.Model):
    # Reference:
    # https://keras.io/examples/vision/knowledge_distillation/
    def __init__(self, student, teacher, **kwargs):
        super().__init__(**kwargs)
        self.student = student
        self.teacher = teacher

        self.student_loss_tracker = keras.metrics.Mean(name="student_loss")
        self.dist_loss_tracker = keras.metrics.Mean(name="distillation_loss")

    @property
    def metrics(self):
        metrics = super().metrics
        metrics.append(self.student_loss_tracker)
        metrics.append(self.dist_loss_tracker)
        return metrics

    def compile(
        self,
        optimizer,
        metrics,
        student_loss_fn,
        distillation_loss_fn,
    ):
        super().compile(optimizer=optimizer, metrics=metrics)
        self.student_loss_fn = student_loss_fn
        self.distillation_loss_fn = distillation_loss_fn

    def train_step(self, data):
        # Unpack data.
        x, y = data

        # Forward pass of teacher
        teacher_predictions = ops.softmax(self.teacher(x, training=False), -1)
        teacher_predictions = ops.argmax(teacher_predictions, -1)

        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        # Forward pass of student.
        cls_predictions, dist_predictions = self.student(x / 255.0, training=True)

        # Compute losses.
        student_loss = self.student_loss_fn(y, cls_predictions)
        distillation_loss = self.distillation_loss_fn(
            teacher_predictions, dist_predictions
        )
        loss = (student_loss + distillation_loss) / 2

        # Compute gradients.
        loss.backward()
        trainable_vars = self.student.trainable_variables
        gradients = [v.value.grad for v in trainable_vars]

        # Update weights.
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_vars)

        # Update the metrics configured in `compile()`.
        student_predictions = (cls_predictions + dist_predictions) / 2
        self.compute_metrics(x, y, student_predictions)  # harness: compiled_metrics.update_state
        self.dist_loss_tracker.update_state(distillation_loss)
        self.student_loss_tracker.update_state(student_loss)

        # Return a dict of performance.
        results = {m.name: m.result() for m in self.metrics}
        return results

    def test_step(self, data):
        # Unpack the data.
        x, y = data

        # Compute predictions.
        y_prediction = self.student(x / 255.0, training=False)

        # Calculate the loss.
        student_loss = self.student_loss_fn(y, y_prediction)

        # Update the metrics.
        self.compute_metrics(x, y, y_prediction)  # harness: compiled_metrics.update_state
        self.student_loss_tracker.update_state(student_loss)

        # Return a dict of performance.
        results = {m.name: m.result() for m in self.metrics}
        return results

    def call(self, inputs):
        return self.student(inputs / 255.0, training=False)


"""
## Load the teacher model
"""

# harness: a small CNN in place of keras.models.load_model("bit_teacher_flowers")
bit_teacher_flowers = keras.Sequential(
    [
        keras.Input((RESOLUTION, RESOLUTION, 3)),
        layers.Rescaling(1 / 255.0),
        layers.Conv2D(4, 3, strides=2, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(NUM_CLASSES),
    ],
    name="teacher",
)


def seed_weights(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([
        rs.uniform(0.5, 1.5, w.shape).astype("float32") if "gamma" in v.path
        else rs.normal(0, 0.3, w.shape).astype("float32")
        for v, w in zip(model.weights, model.get_weights())])


seed_weights(bit_teacher_flowers, 1)  # harness:

"""
## Training through distillation
"""

deit_tiny = ViTDistilled()
deit_tiny(dummy_inputs, training=False)  # harness: build, to seed
seed_weights(deit_tiny, 2)  # harness:
RESULTS["student_weight_shapes"] = sorted(str(tuple(w.shape)) for w in deit_tiny.weights)
RESULTS["student_count_params"] = deit_tiny.count_params()
deit_distiller = DeiT(student=deit_tiny, teacher=bit_teacher_flowers)

lr_scaled = (BASE_LR / 512) * BATCH_SIZE
deit_distiller.compile(
    optimizer=keras.optimizers.AdamW(weight_decay=WEIGHT_DECAY, learning_rate=lr_scaled),
    metrics=["accuracy"],
    student_loss_fn=keras.losses.CategoricalCrossentropy(
        from_logits=True, label_smoothing=0.1
    ),
    distillation_loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
)
history = deit_distiller.fit(x_train, y_train, batch_size=BATCH_SIZE,
                             validation_data=(x_val, y_val), epochs=NUM_EPOCHS,
                             shuffle=False, verbose=0)  # harness: numpy in place of tf.data
RESULTS["hist_keys"] = sorted(history.history)
for k, v in history.history.items():
    RESULTS["hist_" + k] = v
RESULTS["predictions"] = deit_distiller.predict(x_val[:2], verbose=0)
RESULTS["teacher_unchanged_output"] = bit_teacher_flowers.predict(x_val[:2], verbose=0)
RTOL, ATOL = 1e-4, 1e-5
