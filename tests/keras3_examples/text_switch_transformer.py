"""keras.io examples/nlp/text_classification_with_switch_transformer.py (Keras 3), synthetic IMDB ids.

Token-and-position embedding (``ops.arange``), a ``Switch`` mixture-of-experts
layer whose ``Router`` adds a load-balancing loss with ``self.add_loss`` and
routes tokens with ``ops.top_k``/``ops.one_hot``/``ops.cumsum``/``ops.less``,
dispatches with ``ops.einsum``/``ops.unstack``/``ops.stack`` to a list of
``Sequential`` experts tracked as a plain Python list, reshapes to a fixed
number of tokens per batch, and a ``TransformerBlock`` holding that layer,
trained with ``fit``/``validation_data`` (the aux loss is part of the loss).
"""
import numpy as np
import keras
from keras import ops
from keras import layers

"""
## Download and prepare dataset
"""

vocab_size = 200  # harness: 20000 in the original
num_tokens_per_example = 12  # harness: 200
# harness: synthetic IMDB-like token ids instead of keras.datasets.imdb.load_data
rng = np.random.RandomState(0)
x_train = [list(rng.randint(1, vocab_size, size=rng.randint(4, 20))) for _ in range(32)]
y_train = rng.randint(0, 2, size=(32,))
x_val = [list(rng.randint(1, vocab_size, size=rng.randint(4, 20))) for _ in range(16)]
y_val = rng.randint(0, 2, size=(16,))
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
x_train = keras.utils.pad_sequences(x_train, maxlen=num_tokens_per_example)
x_val = keras.utils.pad_sequences(x_val, maxlen=num_tokens_per_example)

"""
## Define hyperparameters
"""

embed_dim = 8  # harness: 32; Embedding size for each token.
num_heads = 2  # Number of attention heads
ff_dim = 8  # harness: 32; Hidden layer size in feedforward network.
num_experts = 4  # harness: 10; Number of experts used in the Switch Transformer.
batch_size = 8  # harness: 50; Batch size.
learning_rate = 0.001  # Learning rate.
dropout_rate = 0.0  # harness: 0.25; randomness would reach the results
num_epochs = 2  # harness: 3; Number of epochs.
num_tokens_per_batch = (
    batch_size * num_tokens_per_example
)  # Total number of tokens per batch.
print(f"Number of tokens per batch: {num_tokens_per_batch}")

"""
## Implement token & position embedding layer
"""


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


"""
## Implement the feedforward network
"""


def create_feedforward_network(ff_dim, name=None):
    return keras.Sequential(
        [layers.Dense(ff_dim, activation="relu"), layers.Dense(ff_dim)], name=name
    )


"""
## Implement the load-balanced loss
"""


def load_balanced_loss(router_probs, expert_mask):
    # router_probs [tokens_per_batch, num_experts] is the probability assigned for
    # each expert per token. expert_mask [tokens_per_batch, num_experts] contains
    # the expert with the highest router probability in one−hot format.

    num_experts = ops.shape(expert_mask)[-1]
    # Get the fraction of tokens routed to each expert.
    # density is a vector of length num experts that sums to 1.
    density = ops.mean(expert_mask, axis=0)
    # Get fraction of probability mass assigned to each expert from the router
    # across all tokens. density_proxy is a vector of length num experts that sums to 1.
    density_proxy = ops.mean(router_probs, axis=0)
    # Want both vectors to have uniform allocation (1/num experts) across all
    # num_expert elements. The two vectors will be pushed towards uniform allocation
    # when the dot product is minimized.
    loss = ops.mean(density_proxy * density) * ops.cast((num_experts**2), "float32")
    return loss


"""
### Implement the router as a layer
"""


class Router(layers.Layer):
    def __init__(self, num_experts, expert_capacity):
        super().__init__()  # harness: first (Keras 3's torch backend refuses sub-layers before it)
        self.num_experts = num_experts
        self.route = layers.Dense(units=num_experts)
        self.expert_capacity = expert_capacity

    def call(self, inputs, training=False):
        # inputs shape: [tokens_per_batch, embed_dim]
        # router_logits shape: [tokens_per_batch, num_experts]
        router_logits = self.route(inputs)

        if training:
            # Add noise for exploration across experts.
            router_logits += keras.random.uniform(
                shape=router_logits.shape, minval=0.9, maxval=1.1
            )
        # Probabilities for each token of what expert it should be sent to.
        router_probs = keras.activations.softmax(router_logits, axis=-1)
        # Get the top−1 expert for each token. expert_gate is the top−1 probability
        # from the router for each token. expert_index is what expert each token
        # is going to be routed to.
        expert_gate, expert_index = ops.top_k(router_probs, k=1)
        # expert_mask shape: [tokens_per_batch, num_experts]
        expert_mask = ops.one_hot(expert_index, self.num_experts)
        # Compute load balancing loss.
        aux_loss = load_balanced_loss(router_probs, expert_mask)
        self.add_loss(aux_loss)
        # Experts have a fixed capacity, ensure we do not exceed it. Construct
        # the batch indices, to each expert, with position in expert make sure that
        # not more that expert capacity examples can be routed to each expert.
        position_in_expert = ops.cast(
            ops.cumsum(expert_mask, axis=0) * expert_mask, "int32"
        )
        # Keep only tokens that fit within expert capacity.
        expert_mask *= ops.cast(
            ops.less(ops.cast(position_in_expert, "int32"), self.expert_capacity),
            "float32",
        )
        expert_mask_flat = ops.sum(expert_mask, axis=-1)
        # Mask out the experts that have overflowed the expert capacity.
        expert_gate *= expert_mask_flat
        # Combine expert outputs and scaling with router probability.
        # combine_tensor shape: [tokens_per_batch, num_experts, expert_capacity]
        combined_tensor = ops.expand_dims(
            expert_gate
            * expert_mask_flat
            * ops.squeeze(ops.one_hot(expert_index, self.num_experts), 1),
            -1,
        ) * ops.squeeze(
            # harness: ids past the capacity set to -1 (TensorFlow's one_hot gives zeros for
            # them; Keras 3's torch backend raises for ids >= num_classes)
            ops.one_hot(ops.where(position_in_expert < self.expert_capacity,
                                  position_in_expert, -1), self.expert_capacity), 1)
        # Create binary dispatch_tensor [tokens_per_batch, num_experts, expert_capacity]
        # that is 1 if the token gets routed to the corresponding expert.
        dispatch_tensor = ops.cast(combined_tensor, "float32")

        return dispatch_tensor, combined_tensor


"""
### Implement a Switch layer
"""


class Switch(layers.Layer):
    def __init__(self, num_experts, embed_dim, num_tokens_per_batch, capacity_factor=1):
        super().__init__()  # harness: first (Keras 3's torch backend refuses sub-layers before it)
        self.num_experts = num_experts
        self.embed_dim = embed_dim
        self.experts = [
            create_feedforward_network(embed_dim) for _ in range(num_experts)
        ]

        self.expert_capacity = num_tokens_per_batch // self.num_experts
        self.router = Router(self.num_experts, self.expert_capacity)

    def call(self, inputs):
        batch_size = ops.shape(inputs)[0]
        num_tokens_per_example = ops.shape(inputs)[1]

        # inputs shape: [num_tokens_per_batch, embed_dim]
        inputs = ops.reshape(inputs, [num_tokens_per_batch, self.embed_dim])
        # dispatch_tensor shape: [expert_capacity, num_experts, tokens_per_batch]
        # combine_tensor shape: [tokens_per_batch, num_experts, expert_capacity]
        dispatch_tensor, combine_tensor = self.router(inputs)
        # expert_inputs shape: [num_experts, expert_capacity, embed_dim]
        expert_inputs = ops.einsum("ab,acd->cdb", inputs, dispatch_tensor)
        expert_inputs = ops.reshape(
            expert_inputs, [self.num_experts, self.expert_capacity, self.embed_dim]
        )
        # Dispatch to experts
        expert_input_list = ops.unstack(expert_inputs, axis=0)
        expert_output_list = [
            self.experts[idx](expert_input)
            for idx, expert_input in enumerate(expert_input_list)
        ]
        # expert_outputs shape: [expert_capacity, num_experts, embed_dim]
        expert_outputs = ops.stack(expert_output_list, axis=1)
        # expert_outputs_combined shape: [tokens_per_batch, embed_dim]
        expert_outputs_combined = ops.einsum(
            "abc,xba->xc", expert_outputs, combine_tensor
        )
        # output shape: [batch_size, num_tokens_per_example, embed_dim]
        outputs = ops.reshape(
            expert_outputs_combined,
            [batch_size, num_tokens_per_example, self.embed_dim],
        )
        return outputs


"""
## Implement a Transformer block layer
"""


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ffn, dropout_rate=0.0):  # harness: 0.1
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        # The ffn can be either a standard feedforward network or a switch
        # layer with a Mixture of Experts.
        self.ffn = ffn
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(dropout_rate)
        self.dropout2 = layers.Dropout(dropout_rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


"""
## Implement the classifier
"""


def create_classifier():
    switch = Switch(num_experts, embed_dim, num_tokens_per_batch)
    transformer_block = TransformerBlock(ff_dim, num_heads, switch)

    # harness: a fixed batch size (Keras 3's torch backend infers shapes with a stand-in
    # batch size that the Switch layer's fixed reshape refuses)
    inputs = layers.Input(shape=(num_tokens_per_example,), batch_size=batch_size)
    embedding_layer = TokenAndPositionEmbedding(
        num_tokens_per_example, vocab_size, embed_dim
    )
    x = embedding_layer(inputs)
    x = transformer_block(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(dropout_rate)(x)
    x = layers.Dense(ff_dim, activation="relu")(x)
    x = layers.Dropout(dropout_rate)(x)
    outputs = layers.Dense(2, activation="softmax")(x)

    classifier = keras.Model(inputs=inputs, outputs=outputs)
    return classifier


"""
## Train and evaluate the model
"""


def run_experiment(classifier):
    classifier.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = classifier.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=num_epochs,
        validation_data=(x_val, y_val),
        shuffle=False, verbose=0,  # harness: batch order equal in both libraries
    )
    return history


# harness: the router's exploration noise made deterministic (a constant 1.0 shift)
keras.random.uniform = lambda shape, minval=0.0, maxval=1.0, **kwargs: ops.ones(shape)

classifier = create_classifier()
# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
classifier.set_weights(
    [seeded.normal(0, 0.3, w.shape).astype("float32") for w in classifier.get_weights()])
initial_predict = classifier.predict(x_val[:batch_size], batch_size=batch_size, verbose=0)
history = run_experiment(classifier)

switch_layer = classifier.layers[2].ffn
router_outputs = switch_layer.router(
    ops.convert_to_tensor(np.linspace(-1, 1, num_tokens_per_batch * embed_dim)
                          .reshape(num_tokens_per_batch, embed_dim).astype("float32")))

RESULTS = {
    "params": classifier.count_params(),
    "num_weights": len(classifier.weights),
    "num_trainable_weights": len(classifier.trainable_weights),
    "num_experts_tracked": len(switch_layer.experts),
    "output_shape": list(classifier.output.shape[1:]),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "accuracy": history.history["accuracy"],
    "val_loss": history.history["val_loss"],
    "val_accuracy": history.history["val_accuracy"],
    "initial_predict": initial_predict,
    "predict": classifier.predict(x_val, batch_size=batch_size, verbose=0),
    "evaluate": classifier.evaluate(x_val, y_val, batch_size=batch_size, verbose=0),
    "router_dispatch_sum": ops.convert_to_numpy(ops.sum(router_outputs[0], axis=(0, 2))),
    "router_combine": ops.convert_to_numpy(router_outputs[1])[:6],
    "router_losses": [float(ops.convert_to_numpy(v)) for v in switch_layer.router.losses],
    "model_losses_count": len(classifier.losses),
}
