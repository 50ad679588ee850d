"""keras.io examples/nlp/neural_machine_translation_with_transformer.py (Keras 3 version).

English-to-Spanish sequence-to-sequence Transformer on synthetic token ids (the
TextVectorization layers of the example need TensorFlow; the integer ids they
produce are generated directly, 0 = padding, 2 = "[start]", 3 = "[end]").
"""
import numpy as np
import keras
from keras import ops
from keras import layers

"""
## Vectorizing the text data
"""

vocab_size = 40  # harness: 15000 in the original
sequence_length = 8  # harness: 20 in the original
batch_size = 8  # harness: 64 in the original

# harness: synthetic vectorized pairs instead of eng_vectorization / spa_vectorization
rng = np.random.RandomState(0)


def vectorized_pairs(n):
    eng = np.zeros((n, sequence_length), dtype="int64")
    spa = np.zeros((n, sequence_length + 1), dtype="int64")
    for row in range(n):
        n_eng = rng.randint(2, sequence_length + 1)
        eng[row, :n_eng] = rng.randint(4, vocab_size, size=n_eng)
        n_spa = rng.randint(1, sequence_length - 1)
        spa[row, 0] = 2
        spa[row, 1:n_spa + 1] = rng.randint(4, vocab_size, size=n_spa)
        spa[row, n_spa + 1] = 3
    return eng, spa


def format_dataset(eng, spa):
    return (
        {
            "encoder_inputs": eng,
            "decoder_inputs": spa[:, :-1],
        },
        spa[:, 1:],
    )


train_inputs, train_targets = format_dataset(*vectorized_pairs(32))
val_inputs, val_targets = format_dataset(*vectorized_pairs(16))

print(f'inputs["encoder_inputs"].shape: {train_inputs["encoder_inputs"].shape}')
print(f'inputs["decoder_inputs"].shape: {train_inputs["decoder_inputs"].shape}')
print(f"targets.shape: {train_targets.shape}")

"""
## Building the model
"""


class TransformerEncoder(layers.Layer):
    def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.dense_dim = dense_dim
        self.num_heads = num_heads
        self.attention = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim
        )
        self.dense_proj = keras.Sequential(
            [
                layers.Dense(dense_dim, activation="relu"),
                layers.Dense(embed_dim),
            ]
        )
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            padding_mask = ops.cast(mask[:, None, :], dtype="int32")
        else:
            padding_mask = None

        attention_output = self.attention(
            query=inputs, value=inputs, key=inputs, attention_mask=padding_mask
        )
        proj_input = self.layernorm_1(inputs + attention_output)
        proj_output = self.dense_proj(proj_input)
        return self.layernorm_2(proj_input + proj_output)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "embed_dim": self.embed_dim,
                "dense_dim": self.dense_dim,
                "num_heads": self.num_heads,
            }
        )
        return config


class PositionalEmbedding(layers.Layer):
    def __init__(self, sequence_length, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_embeddings = layers.Embedding(
            input_dim=vocab_size, output_dim=embed_dim
        )
        self.position_embeddings = layers.Embedding(
            input_dim=sequence_length, output_dim=embed_dim
        )
        self.sequence_length = sequence_length
        self.vocab_size = vocab_size
        self.embed_dim = embed_dim

    def call(self, inputs):
        length = ops.shape(inputs)[-1]
        positions = ops.arange(0, length, 1)
        embedded_tokens = self.token_embeddings(inputs)
        embedded_positions = self.position_embeddings(positions)
        return embedded_tokens + embedded_positions

    def compute_mask(self, inputs, mask=None):
        return ops.not_equal(inputs, 0)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "sequence_length": self.sequence_length,
                "vocab_size": self.vocab_size,
                "embed_dim": self.embed_dim,
            }
        )
        return config


class TransformerDecoder(layers.Layer):
    def __init__(self, embed_dim, latent_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.latent_dim = latent_dim
        self.num_heads = num_heads
        self.attention_1 = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim
        )
        self.attention_2 = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim
        )
        self.dense_proj = keras.Sequential(
            [
                layers.Dense(latent_dim, activation="relu"),
                layers.Dense(embed_dim),
            ]
        )
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()
        self.layernorm_3 = layers.LayerNormalization()
        self.supports_masking = True

    def call(self, inputs, mask=None):
        inputs, encoder_outputs = inputs
        causal_mask = self.get_causal_attention_mask(inputs)

        if mask is None:
            inputs_padding_mask, encoder_outputs_padding_mask = None, None
        else:
            inputs_padding_mask, encoder_outputs_padding_mask = mask

        attention_output_1 = self.attention_1(
            query=inputs,
            value=inputs,
            key=inputs,
            attention_mask=causal_mask,
            query_mask=inputs_padding_mask,
        )
        out_1 = self.layernorm_1(inputs + attention_output_1)

        attention_output_2 = self.attention_2(
            query=out_1,
            value=encoder_outputs,
            key=encoder_outputs,
            query_mask=inputs_padding_mask,
            key_mask=encoder_outputs_padding_mask,
        )
        out_2 = self.layernorm_2(out_1 + attention_output_2)

        proj_output = self.dense_proj(out_2)
        return self.layernorm_3(out_2 + proj_output)

    def get_causal_attention_mask(self, inputs):
        input_shape = ops.shape(inputs)
        batch_size, sequence_length = input_shape[0], input_shape[1]
        i = ops.arange(sequence_length)[:, None]
        j = ops.arange(sequence_length)
        mask = ops.cast(i >= j, dtype="int32")
        mask = ops.reshape(mask, (1, input_shape[1], input_shape[1]))
        mult = ops.concatenate(
            [ops.expand_dims(batch_size, -1), ops.convert_to_tensor([1, 1])],
            axis=0,
        )
        return ops.tile(mask, mult)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "embed_dim": self.embed_dim,
                "latent_dim": self.latent_dim,
                "num_heads": self.num_heads,
            }
        )
        return config


"""
Next, we assemble the end-to-end model.
"""

embed_dim = 16  # harness: 256 in the original
latent_dim = 32  # harness: 2048 in the original
num_heads = 2  # harness: 8 in the original

encoder_inputs = keras.Input(shape=(None,), dtype="int64", name="encoder_inputs")
x = PositionalEmbedding(sequence_length, vocab_size, embed_dim)(encoder_inputs)
encoder_outputs = TransformerEncoder(embed_dim, latent_dim, num_heads)(x)
encoder = keras.Model(encoder_inputs, encoder_outputs)

decoder_inputs = keras.Input(shape=(None,), dtype="int64", name="decoder_inputs")
encoded_seq_inputs = keras.Input(shape=(None, embed_dim), name="decoder_state_inputs")
x = PositionalEmbedding(sequence_length, vocab_size, embed_dim)(decoder_inputs)
x = TransformerDecoder(embed_dim, latent_dim, num_heads)([x, encoder_outputs])
x = layers.Dropout(0.0)(x)  # harness: 0.5 in the original
decoder_outputs = layers.Dense(vocab_size, activation="softmax")(x)
transformer = keras.Model(
    {"encoder_inputs": encoder_inputs, "decoder_inputs": decoder_inputs},
    decoder_outputs,
    name="transformer",
)

summary_lines = []
transformer.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))
print("\n".join(summary_lines))

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
transformer.set_weights(
    [seeded.normal(0, 0.1, w.shape).astype("float32") for w in transformer.get_weights()])

"""
## Training our model
"""

epochs = 2  # harness: 1 in the original ("This should be at least 30 for convergence")

transformer.compile(
    "rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
)
history = transformer.fit(train_inputs, train_targets, batch_size=batch_size, epochs=epochs,
                          validation_data=(val_inputs, val_targets),
                          shuffle=False)  # harness

"""
## Decoding test sentences
"""

max_decoded_sentence_length = 5  # harness: 20 in the original


def decode_sequence(tokenized_input_sentence):
    # harness: token ids instead of strings; spa_vectorization([decoded_sentence]) is the padded ids
    decoded_sentence = [2]
    for i in range(max_decoded_sentence_length):
        tokenized_target_sentence = np.zeros((1, sequence_length + 1), dtype="int64")
        tokenized_target_sentence[0, :len(decoded_sentence)] = decoded_sentence
        tokenized_target_sentence = tokenized_target_sentence[:, :-1]
        predictions = transformer(
            {
                "encoder_inputs": tokenized_input_sentence,
                "decoder_inputs": tokenized_target_sentence,
            }
        )

        # ops.argmax(predictions[0, i, :]) is not a concrete integer for other backends.
        sampled_token_index = ops.convert_to_numpy(
            ops.argmax(predictions[0, i, :])
        ).item(0)
        decoded_sentence.append(sampled_token_index)

        if sampled_token_index == 3:
            break
    return decoded_sentence


translations = [decode_sequence(val_inputs["encoder_inputs"][k:k + 1]) for k in range(3)]

# round trips a user of the example would do
transformer.save("transformer.keras")
custom_objects = {"TransformerEncoder": TransformerEncoder,
                  "PositionalEmbedding": PositionalEmbedding,
                  "TransformerDecoder": TransformerDecoder}
restored = keras.models.load_model("transformer.keras", custom_objects=custom_objects)
decoder_layer = transformer.layers[[type(layer).__name__ for layer in transformer.layers].index(
    "TransformerDecoder")]
decoder_clone = TransformerDecoder.from_config(decoder_layer.get_config())
emb_layer = transformer.layers[[type(layer).__name__ for layer in transformer.layers].index(
    "PositionalEmbedding")]
sample_ids = val_inputs["encoder_inputs"][:3]
embedded = emb_layer(sample_ids)
causal = decoder_layer.get_causal_attention_mask(embedded)
valid = (val_inputs["decoder_inputs"][:2, :4] != 0).astype("float32")

RESULTS = {
    "params": transformer.count_params(),
    "encoder_params": encoder.count_params(),
    "layer_classes": [type(layer).__name__ for layer in transformer.layers],
    "input_names": [t.name for t in transformer.inputs],
    "output_shape": str(tuple(transformer.output.shape)),
    "summary_mentions_params": int(any("Total params" in line for line in summary_lines)),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "accuracy": history.history["accuracy"],
    "val_loss": history.history["val_loss"],
    "val_accuracy": history.history["val_accuracy"],
    "evaluate": transformer.evaluate(val_inputs, val_targets, verbose=0),
    # harness: positions of padding only: Keras 3.15's MultiHeadAttention ignores an explicit
    # `query_mask=` (it reads the query's `_keras_mask` instead), keraton applies it; the two
    # differ only in the outputs at padded decoder positions, which the loss and metrics mask out
    "predict": transformer.predict(val_inputs, verbose=0)[:2, :4, :6] * valid[:, :, None],
    "restored_predict": restored.predict(val_inputs, verbose=0)[:2, :4, :6] * valid[:, :, None],
    "encoder_predict": encoder.predict(val_inputs["encoder_inputs"][:2], verbose=0)[:, :3, :4],
    "translations": str(translations),
    "decoder_config": str(sorted(decoder_clone.get_config().items())),
    "embedding_mask": ops.convert_to_numpy(emb_layer.compute_mask(sample_ids)).astype("int32"),
    "causal_mask": ops.convert_to_numpy(causal),
    "causal_mask_dtype": str(ops.convert_to_numpy(causal).dtype),
}
