"""keras.io example "Semantic Image Clustering" (examples/vision/semantic_image_clustering.py).

``data_preprocessing`` (``Resizing`` + adapted ``Normalization``) called inside
models; the ``RepresentationLearner`` subclassed model (projection head with
``BatchNormalization``/``ReLU``, ``loss_tracker`` behind a ``metrics``
property, the contrastive loss built from ``keras.ops``
``matmul``/``max``/``tile``/``eye`` and ``categorical_crossentropy`` with
logits, a ``layers.Concatenate`` created in ``call``, custom ``train_step``
written the torch way, custom ``test_step``) trained by ``fit`` with a
``CosineDecay`` schedule and ``AdamW``; k nearest neighbours from normalised
encoder features (``ops.top_k``); the clustering model and the two-output
clustering learner (``ops.reshape``/``einsum``/``expand_dims`` on KerasTensors,
a ``Lambda`` squeeze named ``similarity``) compiled with a list of two custom
``keras.losses.Loss`` subclasses that override ``__call__``; cluster
assignment with ``argmax``/``max``. Synthetic CIFAR-10-shaped data; the
ResNet50V2 encoder is a small conv stack, the random augmentation an identity
and the dropout rate 0 (``# harness:``).
"""

from collections import defaultdict

import numpy as np
import torch
import keras
from keras import layers

RESULTS = {}
rng = np.random.RandomState(0)

num_classes = 10
input_shape = (32, 32, 3)
x_data = rng.randint(0, 256, size=(48, 32, 32, 3)).astype("float32")  # harness: synthetic CIFAR-10
y_data = rng.randint(0, 10, size=(48, 1))  # harness:

target_size = 16  # harness: 32 -- Resize the input images.
representation_dim = 16  # harness: 512 -- The dimensions of the features vector.
projection_units = 8  # harness: 128 -- The projection head of the representation learner.
num_clusters = 4  # harness: 20 -- Number of clusters.
k_neighbours = 3  # harness: 5 -- Number of neighbours to consider during cluster learning.
tune_encoder_during_clustering = False  # Freeze the encoder in the cluster learning.

data_preprocessing = keras.Sequential(
    [
        layers.Resizing(target_size, target_size),
        layers.Normalization(),
    ]
)
# Compute the mean and the variance from the data for normalization.
data_preprocessing.layers[-1].adapt(x_data)
RESULTS["normalization_mean"] = keras.ops.convert_to_numpy(data_preprocessing.layers[-1].mean).ravel()

# harness: the example's RandomTranslation/RandomFlip/RandomRotation/RandomZoom pipeline is
# replaced by an identity (random augmentation would reach every compared number)
data_augmentation = keras.Sequential([layers.Identity()])


def create_encoder(representation_dim):
    encoder = keras.Sequential(
        [
            # harness: keras.applications.ResNet50V2(include_top=False, weights=None, pooling="avg")
            layers.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(representation_dim),
        ]
    )
    return encoder


class RepresentationLearner(keras.Model):
    def __init__(
        self,
        encoder,
        projection_units,
        num_augmentations,
        temperature=1.0,
        dropout_rate=0.1,
        l2_normalize=False,
        **kwargs
    ):
        super().__init__(**kwargs)
        self.encoder = encoder
        # Create projection head.
        self.projector = keras.Sequential(
            [
                layers.Dropout(dropout_rate),
                layers.Dense(units=projection_units, use_bias=False),
                layers.BatchNormalization(),
                layers.ReLU(),
            ]
        )
        self.num_augmentations = num_augmentations
        self.temperature = temperature
        self.l2_normalize = l2_normalize
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def compute_contrastive_loss(self, feature_vectors, batch_size):
        num_augmentations = keras.ops.shape(feature_vectors)[0] // batch_size
        if self.l2_normalize:
            feature_vectors = keras.utils.normalize(feature_vectors)
        # The logits shape is [num_augmentations * batch_size, num_augmentations * batch_size].
        logits = (
            keras.ops.matmul(feature_vectors, keras.ops.transpose(feature_vectors))
            / self.temperature
        )
        # Apply log-max trick for numerical stability.
        logits_max = keras.ops.max(logits, axis=1)
        logits = logits - logits_max
        # The shape of targets is [num_augmentations * batch_size, num_augmentations * batch_size].
        # targets is a matrix consits of num_augmentations submatrices of shape [batch_size * batch_size].
        # Each [batch_size * batch_size] submatrix is an identity matrix (diagonal entries are ones).
        targets = keras.ops.tile(
            keras.ops.eye(batch_size), [num_augmentations, num_augmentations]
        )
        # Compute cross entropy loss
        return keras.losses.categorical_crossentropy(
            y_true=targets, y_pred=logits, from_logits=True
        )

    def call(self, inputs):
        # Preprocess the input images.
        preprocessed = data_preprocessing(inputs)
        # Create augmented versions of the images.
        augmented = []
        for _ in range(self.num_augmentations):
            augmented.append(data_augmentation(preprocessed))
        augmented = layers.Concatenate(axis=0)(augmented)
        # Generate embedding representations of the images.
        features = self.encoder(augmented)
        # Apply projection head.
        return self.projector(features)

    def train_step(self, inputs):
        batch_size = keras.ops.shape(inputs)[0]
        # torch: instead of `with tf.GradientTape() as tape:`
        self.zero_grad()
        # Run the forward pass and compute the contrastive loss
        feature_vectors = self(inputs, training=True)
        loss = self.compute_contrastive_loss(feature_vectors, batch_size)
        # Compute gradients (tape.gradient of a vector is the gradient of its sum)
        keras.ops.sum(loss).backward()
        trainable_vars = self.trainable_variables
        gradients = [v.value.grad for v in trainable_vars]
        # Update weights
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_vars)
        # Update loss tracker metric
        self.loss_tracker.update_state(loss)
        # Return a dict mapping metric names to current value
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, inputs):
        batch_size = keras.ops.shape(inputs)[0]
        feature_vectors = self(inputs, training=False)
        loss = self.compute_contrastive_loss(feature_vectors, batch_size)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


# Create vision encoder.
encoder = create_encoder(representation_dim)
# Create representation learner.
representation_learner = RepresentationLearner(
    encoder, projection_units, num_augmentations=2, temperature=0.1,
    dropout_rate=0.0,  # harness: default 0.1 (dropout randomness reaches the history)
)
# Create a a Cosine decay learning rate scheduler.
lr_scheduler = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate=0.001, decay_steps=500, alpha=0.1
)
# Compile the model.
representation_learner.compile(
    optimizer=keras.optimizers.AdamW(learning_rate=lr_scheduler, weight_decay=0.0001),
)
# harness: build before seeding the weights. `training=False` given: on a bare call Keras 3
# runs the BatchNormalization in training mode, because `Resizing.call`'s signature default
# `training=True` leaks into the shared call context (keraton infers, as Keras documents).
representation_learner(x_data[:2], training=False)
encoder_weights = [w.shape for w in encoder.get_weights()]
rs = np.random.RandomState(1)  # harness:
encoder.set_weights([rs.normal(0, 0.2, s).astype("float32") for s in encoder_weights])  # harness:
proj = representation_learner.projector
proj.set_weights([rs.normal(0, 0.3, w.shape).astype("float32") if i == 0 else w
                  for i, w in enumerate(proj.get_weights())])  # harness: Dense kernel only
RESULTS["learner_n_weights"] = len(representation_learner.weights)
RESULTS["learner_n_trainable"] = len(representation_learner.trainable_weights)

# Fit the model.
history = representation_learner.fit(
    x=x_data,
    batch_size=16,  # harness: 512
    epochs=2,  # harness: 50
    shuffle=False,  # harness:
    verbose=0,  # harness:
)
RESULTS["repr_history_keys"] = sorted(history.history)
RESULTS["repr_loss"] = history.history["loss"]
RESULTS["repr_eval"] = representation_learner.evaluate(x_data, batch_size=16, verbose=0)
RESULTS["repr_opt_iterations"] = int(representation_learner.optimizer.iterations)
# harness: the encoder's last bias feeds a bias-free Dense and a BatchNormalization in
# training mode, so its gradient is float noise that AdamW turns into +-lr steps (they
# differ between any two implementations); it is reset so the clustering stage compares.
encoder.layers[-1].bias.assign(np.zeros(representation_dim, "float32"))

batch_size = 16  # harness: 500
# Get the feature vector representations of the images.
feature_vectors = encoder.predict(x_data, batch_size=batch_size, verbose=0)
# Normalize the feature vectores.
feature_vectors = keras.utils.normalize(feature_vectors)
RESULTS["feature_vectors"] = keras.ops.convert_to_numpy(feature_vectors)[:4]

neighbours = []
num_batches = feature_vectors.shape[0] // batch_size
for batch_idx in range(num_batches):
    start_idx = batch_idx * batch_size
    end_idx = start_idx + batch_size
    current_batch = feature_vectors[start_idx:end_idx]
    # Compute the dot similarity.
    similarities = keras.ops.matmul(current_batch, keras.ops.transpose(feature_vectors))
    # Get the indices of most similar vectors.
    _, indices = keras.ops.top_k(similarities, k=k_neighbours + 1, sorted=True)
    # Add the indices to the neighbours.
    neighbours.append(keras.ops.convert_to_numpy(indices[..., 1:]))

neighbours = np.reshape(np.array(neighbours), (-1, k_neighbours))
RESULTS["neighbours"] = neighbours[:8]


class ClustersConsistencyLoss(keras.losses.Loss):
    def __init__(self):
        super().__init__()

    def __call__(self, target, similarity, sample_weight=None):
        # Set targets to be ones.
        target = keras.ops.ones_like(similarity)
        # Compute cross entropy loss.
        loss = keras.losses.binary_crossentropy(
            y_true=target, y_pred=similarity, from_logits=True
        )
        return keras.ops.mean(loss)


class ClustersEntropyLoss(keras.losses.Loss):
    def __init__(self, entropy_loss_weight=1.0):
        super().__init__()
        self.entropy_loss_weight = entropy_loss_weight

    def __call__(self, target, cluster_probabilities, sample_weight=None):
        # Ideal entropy = log(num_clusters).
        num_clusters = keras.ops.cast(
            keras.ops.shape(cluster_probabilities)[-1], "float32"
        )
        target = keras.ops.log(num_clusters)
        # Compute the overall clusters distribution.
        cluster_probabilities = keras.ops.mean(cluster_probabilities, axis=0)
        # Replacing zero probabilities - if any - with a very small value.
        cluster_probabilities = keras.ops.clip(cluster_probabilities, 1e-8, 1.0)
        # Compute the entropy over the clusters.
        entropy = -keras.ops.sum(
            cluster_probabilities * keras.ops.log(cluster_probabilities)
        )
        # Compute the difference between the target and the actual.
        loss = target - entropy
        return loss


def create_clustering_model(encoder, num_clusters, name=None):
    inputs = keras.Input(shape=input_shape)
    # Preprocess the input images.
    preprocessed = data_preprocessing(inputs)
    # Apply data augmentation to the images.
    augmented = data_augmentation(preprocessed)
    # Generate embedding representations of the images.
    features = encoder(augmented)
    # Assign the images to clusters.
    outputs = layers.Dense(units=num_clusters, activation="softmax")(features)
    # Create the model.
    model = keras.Model(inputs=inputs, outputs=outputs, name=name)
    return model


def create_clustering_learner(clustering_model):
    anchor = keras.Input(shape=input_shape, name="anchors")
    neighbours = keras.Input(
        shape=tuple([k_neighbours]) + input_shape, name="neighbours"
    )
    # Changes neighbours shape to [batch_size * k_neighbours, width, height, channels]
    neighbours_reshaped = keras.ops.reshape(neighbours, tuple([-1]) + input_shape)
    # anchor_clustering shape: [batch_size, num_clusters]
    anchor_clustering = clustering_model(anchor)
    # neighbours_clustering shape: [batch_size * k_neighbours, num_clusters]
    neighbours_clustering = clustering_model(neighbours_reshaped)
    # Convert neighbours_clustering shape to [batch_size, k_neighbours, num_clusters]
    neighbours_clustering = keras.ops.reshape(
        neighbours_clustering,
        (-1, k_neighbours, keras.ops.shape(neighbours_clustering)[-1]),
    )
    # similarity shape: [batch_size, 1, k_neighbours]
    similarity = keras.ops.einsum(
        "bij,bkj->bik",
        keras.ops.expand_dims(anchor_clustering, axis=1),
        neighbours_clustering,
    )
    # similarity shape:  [batch_size, k_neighbours]
    similarity = layers.Lambda(
        lambda x: keras.ops.squeeze(x, axis=1), name="similarity"
    )(similarity)
    # Create the model.
    model = keras.Model(
        inputs=[anchor, neighbours],
        outputs=[similarity, anchor_clustering],
        name="clustering_learner",
    )
    return model


# If tune_encoder_during_clustering is set to False,
# then freeze the encoder weights.
for layer in encoder.layers:
    layer.trainable = tune_encoder_during_clustering
# Create the clustering model and learner.
clustering_model = create_clustering_model(encoder, num_clusters, name="clustering")
clustering_learner = create_clustering_learner(clustering_model)
rs = np.random.RandomState(2)  # harness: equal initial weights of the cluster head
head = clustering_model.layers[-1]  # harness:
head.set_weights([rs.normal(0, 0.5, w.shape).astype("float32") for w in head.get_weights()])  # harness:
RESULTS["clustering_learner_outputs"] = [str(t.shape) for t in clustering_learner.outputs]
RESULTS["clustering_learner_trainable"] = len(clustering_learner.trainable_weights)
RESULTS["clustering_learner_params"] = clustering_learner.count_params()
# Instantiate the model losses.
losses = [ClustersConsistencyLoss(), ClustersEntropyLoss(entropy_loss_weight=5)]
# Create the model inputs and labels.
inputs = {"anchors": x_data, "neighbours": keras.ops.convert_to_numpy(
    keras.ops.take(x_data, neighbours, axis=0))}  # harness: tf.gather -> ops.take (numpy)
labels = np.ones(shape=(x_data.shape[0]))  # harness: tf.ones -> numpy
# Compile the model.
clustering_learner.compile(
    optimizer=keras.optimizers.AdamW(learning_rate=0.0005, weight_decay=0.0001),
    loss=losses,
)

# Begin training the model.
# harness: the example passes one `labels` array for both outputs (Keras 3.15 raises on
# that); one per output is given.
history = clustering_learner.fit(x=inputs, y=[labels, labels], batch_size=16, epochs=2,
                                 shuffle=False, verbose=0)  # harness: 512, 50
RESULTS["clustering_history_keys"] = sorted(history.history)
for k, v in history.history.items():
    RESULTS["clustering_hist_" + k] = v

# Get the cluster probability distribution of the input images.
clustering_probs = clustering_model.predict(x_data, batch_size=batch_size, verbose=0)
# Get the cluster of the highest probability.
cluster_assignments = keras.ops.convert_to_numpy(keras.ops.argmax(clustering_probs, axis=-1))
# Store the clustering confidence.
cluster_confidence = keras.ops.convert_to_numpy(keras.ops.max(clustering_probs, axis=-1))

clusters = defaultdict(list)
for idx, c in enumerate(cluster_assignments):
    clusters[c].append((idx, cluster_confidence[idx]))
RESULTS["cluster_sizes"] = [len(clusters[c]) for c in range(num_clusters)]
RESULTS["clustering_probs"] = clustering_probs[:4]
RTOL = 1e-3
ATOL = 1e-5
