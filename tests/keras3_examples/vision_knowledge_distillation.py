"""keras.io examples/vision/knowledge_distillation.py: Distiller(keras.Model) with compile/compute_loss overrides."""
import numpy as np

import keras
from keras import layers
from keras import ops

"""
## Construct `Distiller()` class
"""


class Distiller(keras.Model):
    def __init__(self, student, teacher):
        super().__init__()
        self.teacher = teacher
        self.student = student

    def compile(
        self,
        optimizer,
        metrics,
        student_loss_fn,
        distillation_loss_fn,
        alpha=0.1,
        temperature=3,
    ):
        """Configure the distiller.

        Args:
            optimizer: Keras optimizer for the student weights
            metrics: Keras metrics for evaluation
            student_loss_fn: Loss function of difference between student
                predictions and ground-truth
            distillation_loss_fn: Loss function of difference between soft
                student predictions and soft teacher predictions
            alpha: weight to student_loss_fn and 1-alpha to distillation_loss_fn
            temperature: Temperature for softening probability distributions.
                Larger temperature gives softer distributions.
        """
        super().compile(optimizer=optimizer, metrics=metrics)
        self.student_loss_fn = student_loss_fn
        self.distillation_loss_fn = distillation_loss_fn
        self.alpha = alpha
        self.temperature = temperature

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, allow_empty=False
    ):
        teacher_pred = self.teacher(x, training=False)
        student_loss = self.student_loss_fn(y, y_pred)

        distillation_loss = self.distillation_loss_fn(
            ops.softmax(teacher_pred / self.temperature, axis=1),
            ops.softmax(y_pred / self.temperature, axis=1),
        ) * (self.temperature**2)

        loss = self.alpha * student_loss + (1 - self.alpha) * distillation_loss
        return loss

    def call(self, x):
        return self.student(x)


"""
## Create student and teacher models
"""

# Create the teacher
teacher = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, (3, 3), strides=(2, 2), padding="same"),  # harness: 256 filters
        layers.LeakyReLU(negative_slope=0.2),
        layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
        layers.Conv2D(32, (3, 3), strides=(2, 2), padding="same"),  # harness: 512 filters
        layers.Flatten(),
        layers.Dense(10),
    ],
    name="teacher",
)

# Create the student
student = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(4, (3, 3), strides=(2, 2), padding="same"),  # harness: 16 filters
        layers.LeakyReLU(negative_slope=0.2),
        layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
        layers.Conv2D(8, (3, 3), strides=(2, 2), padding="same"),  # harness: 32 filters
        layers.Flatten(),
        layers.Dense(10),
    ],
    name="student",
)

# Clone student for later comparison
student_scratch = keras.models.clone_model(student)

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
for model in (teacher, student, student_scratch):
    model.set_weights([seeded.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])

"""
## Prepare the dataset
"""

# Prepare the train and test dataset. (synthetic MNIST-shaped digits; no download)
batch_size = 16  # harness: 64
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(48, 28, 28)).astype("uint8")
y_train = rng.randint(0, 10, size=(48,)).astype("uint8")
x_test = rng.randint(0, 256, size=(16, 28, 28)).astype("uint8")
y_test = rng.randint(0, 10, size=(16,)).astype("uint8")

# Normalize data
x_train = x_train.astype("float32") / 255.0
x_train = np.reshape(x_train, (-1, 28, 28, 1))

x_test = x_test.astype("float32") / 255.0
x_test = np.reshape(x_test, (-1, 28, 28, 1))

"""
## Train the teacher
"""

# Train teacher as usual
teacher.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)

# Train and evaluate teacher on data.
teacher_history = teacher.fit(x_train, y_train, epochs=2, batch_size=batch_size,  # harness: 5 epochs
                              shuffle=False)
teacher_score = teacher.evaluate(x_test, y_test)

"""
## Distill teacher to student
"""

# Initialize and compile distiller
distiller = Distiller(student=student, teacher=teacher)
distiller.compile(
    optimizer=keras.optimizers.Adam(),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
    student_loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    distillation_loss_fn=keras.losses.KLDivergence(),
    alpha=0.1,
    temperature=10,
)

# Distill teacher to student
distiller_history = distiller.fit(x_train, y_train, epochs=2, batch_size=batch_size,  # harness: 3
                                  shuffle=False)

# Evaluate student on test dataset
distiller_score = distiller.evaluate(x_test, y_test)

"""
## Train student from scratch for comparison
"""

# Train student as doen usually
student_scratch.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)

# Train and evaluate student trained from scratch.
scratch_history = student_scratch.fit(x_train, y_train, epochs=2, batch_size=batch_size,  # harness: 3
                                      shuffle=False)
scratch_score = student_scratch.evaluate(x_test, y_test)

RESULTS = {
    "teacher_params": teacher.count_params(),
    "student_params": student.count_params(),
    "distiller_params": distiller.count_params(),
    "distiller_trainable": len(distiller.trainable_weights),
    "distiller_weights": len(distiller.weights),
    "scratch_layer_names": [layer.name for layer in student_scratch.layers],
    "teacher_loss": teacher_history.history["loss"],
    "teacher_score": teacher_score,
    "distiller_history_keys": sorted(distiller_history.history),
    "distiller_loss": distiller_history.history["loss"],
    "distiller_acc": distiller_history.history["sparse_categorical_accuracy"],
    "distiller_score": distiller_score,
    "scratch_loss": scratch_history.history["loss"],
    "scratch_score": scratch_score,
    "student_predict": student.predict(x_test[:4], verbose=0),
    "distiller_predict": distiller.predict(x_test[:4], verbose=0),
    "teacher_predict": teacher.predict(x_test[:4], verbose=0),
}
