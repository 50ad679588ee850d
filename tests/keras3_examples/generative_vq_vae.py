"""keras.io example "Vector-Quantized Variational Autoencoders" (examples/generative/vq_vae.py), torch.

The ``VectorQuantizer`` layer with a codebook ``keras.Variable`` created in
``__init__`` (the example's ``tf.Variable`` from ``tf.random_uniform_initializer``
written with ``keras.Variable`` and ``keras.initializers.RandomUniform``), the
nearest-code lookup (``ops.argmin`` over distances, ``ops.one_hot``,
``ops.matmul``), the commitment and codebook losses with ``ops.stop_gradient``
passed to ``add_loss``, and the straight-through estimator; the convolutional
encoder/decoder nested in a functional ``vq_vae`` model; ``VQVAETrainer`` with
three ``Mean`` trackers and a custom ``train_step`` that sums
``self.vqvae.losses`` (the ``tf.GradientTape`` written the torch way). Then
reconstructions, ``get_layer`` and the codebook indices of test images. The
PixelCNN prior part is left out (see generative_pixelcnn). Synthetic MNIST at
8x8, small widths.
"""

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## `VectorQuantizer` layer
"""


class VectorQuantizer(layers.Layer):
    def __init__(self, num_embeddings, embedding_dim, beta=0.25, **kwargs):
        super().__init__(**kwargs)
        self.embedding_dim = embedding_dim
        self.num_embeddings = num_embeddings

        # The `beta` parameter is best kept between [0.25, 2] as per the paper.
        self.beta = beta

        # Initialize the embeddings which we will quantize.
        w_init = keras.initializers.RandomUniform()
        self.embeddings = keras.Variable(
            initializer=w_init(
                shape=(self.embedding_dim, self.num_embeddings), dtype="float32"
            ),
            trainable=True,
            name="embeddings_vqvae",
        )

    def call(self, x):
        # Calculate the input shape of the inputs and
        # then flatten the inputs keeping `embedding_dim` intact.
        input_shape = ops.shape(x)
        flattened = ops.reshape(x, [-1, self.embedding_dim])

        # Quantization.
        encoding_indices = self.get_code_indices(flattened)
        encodings = ops.one_hot(encoding_indices, self.num_embeddings)
        quantized = ops.matmul(encodings, ops.transpose(self.embeddings))

        # Reshape the quantized values back to the original input shape
        quantized = ops.reshape(quantized, input_shape)

        # Calculate vector quantization loss and add that to the layer. You can learn more
        # about adding losses to different layers here:
        # https://keras.io/guides/making_new_layers_and_models_via_subclassing/. Check
        # the original paper to get a handle on the formulation of the loss function.
        commitment_loss = ops.mean((ops.stop_gradient(quantized) - x) ** 2)
        codebook_loss = ops.mean((quantized - ops.stop_gradient(x)) ** 2)
        self.add_loss(self.beta * commitment_loss + codebook_loss)

        # Straight-through estimator.
        quantized = x + ops.stop_gradient(quantized - x)
        return quantized

    def get_code_indices(self, flattened_inputs):
        # Calculate L2-normalized distance between the inputs and the codes.
        similarity = ops.matmul(flattened_inputs, self.embeddings)
        distances = (
            ops.sum(flattened_inputs**2, axis=1, keepdims=True)
            + ops.sum(self.embeddings**2, axis=0)
            - 2 * similarity
        )

        # Derive the indices for minimum distances.
        encoding_indices = ops.argmin(distances, axis=1)
        return encoding_indices


"""
## Encoder and decoder
"""


def get_encoder(latent_dim=16):
    encoder_inputs = keras.Input(shape=(8, 8, 1))  # harness: (28, 28, 1)
    x = layers.Conv2D(4, 3, activation="relu", strides=2, padding="same")(
        encoder_inputs
    )
    x = layers.Conv2D(8, 3, activation="relu", strides=2, padding="same")(x)
    encoder_outputs = layers.Conv2D(latent_dim, 1, padding="same")(x)
    return keras.Model(encoder_inputs, encoder_outputs, name="encoder")


def get_decoder(latent_dim=16):
    latent_inputs = keras.Input(shape=get_encoder(latent_dim).output.shape[1:])
    x = layers.Conv2DTranspose(8, 3, activation="relu", strides=2, padding="same")(
        latent_inputs
    )
    x = layers.Conv2DTranspose(4, 3, activation="relu", strides=2, padding="same")(x)
    decoder_outputs = layers.Conv2DTranspose(1, 3, padding="same")(x)
    return keras.Model(latent_inputs, decoder_outputs, name="decoder")


"""
## Standalone VQ-VAE model
"""


def get_vqvae(latent_dim=16, num_embeddings=64):
    vq_layer = VectorQuantizer(num_embeddings, latent_dim, name="vector_quantizer")
    encoder = get_encoder(latent_dim)
    decoder = get_decoder(latent_dim)
    inputs = keras.Input(shape=(8, 8, 1))  # harness: (28, 28, 1)
    encoder_outputs = encoder(inputs)
    quantized_latents = vq_layer(encoder_outputs)
    reconstructions = decoder(quantized_latents)
    return keras.Model(inputs, reconstructions, name="vq_vae")


standalone = get_vqvae()
standalone.summary()
RESULTS["standalone_count_params"] = standalone.count_params()
RESULTS["standalone_layers"] = [layer.name for layer in standalone.layers]
RESULTS["standalone_weight_shapes"] = [str(w.shape) for w in standalone.get_weights()]

"""
## Wrapping up the training loop inside `VQVAETrainer`
"""


class VQVAETrainer(keras.models.Model):
    def __init__(self, train_variance, latent_dim=32, num_embeddings=128, **kwargs):
        super().__init__(**kwargs)
        self.train_variance = train_variance
        self.latent_dim = latent_dim
        self.num_embeddings = num_embeddings

        self.vqvae = get_vqvae(self.latent_dim, self.num_embeddings)

        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(
            name="reconstruction_loss"
        )
        self.vq_loss_tracker = keras.metrics.Mean(name="vq_loss")

    @property
    def metrics(self):
        return [
            self.total_loss_tracker,
            self.reconstruction_loss_tracker,
            self.vq_loss_tracker,
        ]

    def train_step(self, x):
        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        # Outputs from the VQ-VAE.
        reconstructions = self.vqvae(x)

        # Calculate the losses.
        reconstruction_loss = (
            ops.mean((x - reconstructions) ** 2) / self.train_variance
        )
        total_loss = reconstruction_loss + sum(self.vqvae.losses)

        # Backpropagation.
        total_loss.backward()
        grads = [v.value.grad for v in self.vqvae.trainable_variables]
        with torch.no_grad():
            self.optimizer.apply(grads, self.vqvae.trainable_variables)

        # Loss tracking.
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.vq_loss_tracker.update_state(sum(self.vqvae.losses))

        # Log results.
        return {
            "loss": self.total_loss_tracker.result(),
            "reconstruction_loss": self.reconstruction_loss_tracker.result(),
            "vqvae_loss": self.vq_loss_tracker.result(),
        }


"""
## Load and preprocess the MNIST dataset (synthetic)
"""

rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(24, 8, 8)).astype("uint8")
x_test = rng.randint(0, 256, size=(6, 8, 8)).astype("uint8")

x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)
x_train_scaled = (x_train / 255.0) - 0.5
x_test_scaled = (x_test / 255.0) - 0.5

data_variance = np.var(x_train / 255.0)

"""
## Train the VQ-VAE model
"""

vqvae_trainer = VQVAETrainer(data_variance, latent_dim=4, num_embeddings=8)  # harness: 16, 128
# harness: equal initial weights on both sides
_rs = np.random.RandomState(1)
vqvae_trainer.vqvae.set_weights(
    [_rs.normal(0, 0.3, w.shape).astype("float32") for w in vqvae_trainer.vqvae.get_weights()])
vqvae_trainer.built = True  # harness: Keras 3.15 (torch) would otherwise call the call()-less model to build it
vqvae_trainer.compile(optimizer=keras.optimizers.Adam())
h = vqvae_trainer.fit(x_train_scaled, epochs=2, batch_size=8, shuffle=False, verbose=0)  # harness: sizes
RESULTS["hist_keys"] = sorted(h.history)
for k, v in h.history.items():
    RESULTS["hist_" + k] = v
RESULTS["n_trainable"] = len(vqvae_trainer.vqvae.trainable_variables)
RESULTS["codebook"] = vqvae_trainer.vqvae.get_layer("vector_quantizer").get_weights()[0]

"""
## Reconstruction results on the test set
"""

trained_vqvae_model = vqvae_trainer.vqvae
idx = np.random.RandomState(2).choice(len(x_test_scaled), 4)  # harness: seeded
test_images = x_test_scaled[idx]
reconstructions_test = trained_vqvae_model.predict(test_images, verbose=0)
RESULTS["reconstructions"] = reconstructions_test[:, ::2, ::2, 0]

"""
## Visualizing the discrete codes
"""

encoder = vqvae_trainer.vqvae.get_layer("encoder")
quantizer = vqvae_trainer.vqvae.get_layer("vector_quantizer")

encoded_outputs = encoder.predict(test_images, verbose=0)
flat_enc_outputs = encoded_outputs.reshape(-1, encoded_outputs.shape[-1])
codebook_indices = quantizer.get_code_indices(flat_enc_outputs)
codebook_indices = ops.convert_to_numpy(codebook_indices).reshape(encoded_outputs.shape[:-1])  # torch: .numpy()
RESULTS["encoded"] = encoded_outputs[0]
RESULTS["codebook_indices"] = codebook_indices
RTOL, ATOL = 1e-4, 1e-4
