"""keras.io examples/nlp/masked_language_modeling.py (Keras 3): BERT MLM from scratch, synthetic ids.

A ``keras.Model`` subclass built functionally whose ``compute_loss`` override
returns the sum of a ``SparseCategoricalCrossentropy(reduction=None)`` weighted
by 2-D ``sample_weight`` and feeds a module-level ``Mean`` tracker, with
``compute_metrics`` and the ``metrics`` property overridden; ``compile`` with
only an optimizer; BERT-style masking in NumPy; a callback that predicts on a
masked sample; ``save`` and ``load_model(custom_objects=...)`` of the subclass;
a sub-model cut at ``get_layer(...).output``, frozen (``trainable = False``)
inside a classifier, trained, unfrozen, recompiled and fine-tuned.
The ``TextVectorization`` vocabulary (TensorFlow) is replaced by token ids and
``keras_hub.layers.PositionEmbedding`` by a small stand-in layer.
"""
from dataclasses import dataclass
import numpy as np
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Set-up Configuration
"""


@dataclass
class Config:
    MAX_LEN = 16  # harness: 256
    BATCH_SIZE = 8  # harness: 32
    LR = 0.001
    VOCAB_SIZE = 40  # harness: 30000
    EMBED_DIM = 16  # harness: 128
    NUM_HEAD = 2  # harness: 8; used in bert model
    FF_DIM = 16  # harness: 128; used in bert model
    NUM_LAYERS = 1


config = Config()

"""
## Load the data / Dataset preparation
"""

# harness: synthetic vectorized reviews (ids 0 = padding, 1 = [UNK], last id = [mask]);
# the example builds them with TextVectorization, which needs TensorFlow
data_rng = np.random.RandomState(0)
mask_token_id = config.VOCAB_SIZE - 1


def encode_random(n):
    ids = data_rng.randint(1, mask_token_id, size=(n, config.MAX_LEN))
    lengths = data_rng.randint(config.MAX_LEN // 2, config.MAX_LEN + 1, size=(n,))
    ids[np.arange(config.MAX_LEN)[None, :] >= lengths[:, None]] = 0
    return ids.astype("int64")


np.random.seed(42)  # harness: the masking below draws from NumPy's global generator


def get_masked_input_and_labels(encoded_texts):
    # 15% BERT masking
    inp_mask = np.random.rand(*encoded_texts.shape) < 0.15
    # Do not mask special tokens
    inp_mask[encoded_texts <= 2] = False
    # Set targets to -1 by default, it means ignore
    labels = -1 * np.ones(encoded_texts.shape, dtype=int)
    # Set labels for masked tokens
    labels[inp_mask] = encoded_texts[inp_mask]

    # Prepare input
    encoded_texts_masked = np.copy(encoded_texts)
    # Set input to [MASK] which is the last token for the 90% of tokens
    # This means leaving 10% unchanged
    inp_mask_2mask = inp_mask & (np.random.rand(*encoded_texts.shape) < 0.90)
    encoded_texts_masked[inp_mask_2mask] = (
        mask_token_id  # mask token is the last in the dict
    )

    # Set 10% to a random token
    inp_mask_2random = inp_mask_2mask & (np.random.rand(*encoded_texts.shape) < 1 / 9)
    encoded_texts_masked[inp_mask_2random] = np.random.randint(
        3, mask_token_id, inp_mask_2random.sum()
    )

    # Prepare sample_weights to pass to .fit() method
    sample_weights = np.ones(labels.shape)
    sample_weights[labels == -1] = 0

    # y_labels would be same as encoded_texts i.e input tokens
    y_labels = np.copy(encoded_texts)

    return encoded_texts_masked, y_labels, sample_weights


x_train = encode_random(32)  # harness: encode(train_df.review.values)
y_train = data_rng.randint(0, 2, size=(32,))
x_test = encode_random(16)
y_test = data_rng.randint(0, 2, size=(16,))

# Prepare data for masked language model
x_all_review = encode_random(48)  # harness: encode(all_data.review.values)
x_masked_train, y_masked_labels, sample_weights = get_masked_input_and_labels(
    x_all_review
)

"""
## Create BERT model (Pretraining Model) for masked language modeling
"""


class PositionEmbedding(layers.Layer):
    """harness: stand-in for keras_hub.layers.PositionEmbedding (a learned table)."""

    def __init__(self, sequence_length, **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = sequence_length

    def build(self, inputs_shape):
        self.position_embeddings = self.add_weight(
            name="embeddings", shape=[self.sequence_length, inputs_shape[-1]],
            initializer="glorot_uniform")

    def call(self, inputs):
        shape = ops.shape(inputs)
        return ops.broadcast_to(self.position_embeddings[: shape[-2], :], shape)

    def get_config(self):
        return {**super().get_config(), "sequence_length": self.sequence_length}


def bert_module(query, key, value, i):
    # Multi headed self-attention
    attention_output = layers.MultiHeadAttention(
        num_heads=config.NUM_HEAD,
        key_dim=config.EMBED_DIM // config.NUM_HEAD,
        name="encoder_{}_multiheadattention".format(i),
    )(query, key, value)
    attention_output = layers.Dropout(0.0, name="encoder_{}_att_dropout".format(i))(  # harness: 0.1
        attention_output
    )
    attention_output = layers.LayerNormalization(
        epsilon=1e-6, name="encoder_{}_att_layernormalization".format(i)
    )(query + attention_output)

    # Feed-forward layer
    ffn = keras.Sequential(
        [
            layers.Dense(config.FF_DIM, activation="relu"),
            layers.Dense(config.EMBED_DIM),
        ],
        name="encoder_{}_ffn".format(i),
    )
    ffn_output = ffn(attention_output)
    ffn_output = layers.Dropout(0.0, name="encoder_{}_ffn_dropout".format(i))(  # harness: 0.1
        ffn_output
    )
    sequence_output = layers.LayerNormalization(
        epsilon=1e-6, name="encoder_{}_ffn_layernormalization".format(i)
    )(attention_output + ffn_output)
    return sequence_output


loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction=None)
loss_tracker = keras.metrics.Mean(name="loss")


class MaskedLanguageModel(keras.Model):

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):

        loss = loss_fn(y, y_pred, sample_weight)
        loss_tracker.update_state(loss, sample_weight=sample_weight)
        return keras.ops.sum(loss)

    def compute_metrics(self, x, y, y_pred, sample_weight):

        # Return a dict mapping metric names to current value
        return {"loss": loss_tracker.result()}

    @property
    def metrics(self):
        # We list our `Metric` objects here so that `reset_states()` can be
        # called automatically at the start of each epoch
        # or at the start of `evaluate()`.
        # If you don't implement this property, you have to call
        # `reset_states()` yourself at the time of your choosing.
        return [loss_tracker]


def create_masked_language_bert_model():
    inputs = layers.Input((config.MAX_LEN,), dtype="int64")

    word_embeddings = layers.Embedding(
        config.VOCAB_SIZE, config.EMBED_DIM, name="word_embedding"
    )(inputs)
    position_embeddings = PositionEmbedding(  # harness: keras_hub.layers.PositionEmbedding
        sequence_length=config.MAX_LEN
    )(word_embeddings)
    embeddings = word_embeddings + position_embeddings

    encoder_output = embeddings
    for i in range(config.NUM_LAYERS):
        encoder_output = bert_module(encoder_output, encoder_output, encoder_output, i)

    mlm_output = layers.Dense(config.VOCAB_SIZE, name="mlm_cls", activation="softmax")(
        encoder_output
    )
    mlm_model = MaskedLanguageModel(inputs, mlm_output, name="masked_bert_model")

    optimizer = keras.optimizers.Adam(learning_rate=config.LR)
    mlm_model.compile(optimizer=optimizer)
    return mlm_model


id2token = {i: f"w{i}" for i in range(config.VOCAB_SIZE)}  # harness: vocabulary stand-in
id2token[0], id2token[1], id2token[mask_token_id] = "", "[UNK]", "[mask]"
token2id = {y: x for x, y in id2token.items()}

generated = []
pprint = generated.append  # harness: the callback's results are collected, not printed


class MaskedTextGenerator(keras.callbacks.Callback):
    def __init__(self, sample_tokens, top_k=5):
        self.sample_tokens = sample_tokens
        self.k = top_k

    def decode(self, tokens):
        return " ".join([id2token[t] for t in tokens if t != 0])

    def convert_ids_to_tokens(self, id):
        return id2token[id]

    def on_epoch_end(self, epoch, logs=None):
        prediction = self.model.predict(self.sample_tokens)

        masked_index = np.where(self.sample_tokens == mask_token_id)
        masked_index = masked_index[1]
        mask_prediction = prediction[0][masked_index]

        top_indices = mask_prediction[0].argsort()[-self.k :][::-1]
        values = mask_prediction[0][top_indices]

        for i in range(len(top_indices)):
            p = top_indices[i]
            v = values[i]
            tokens = np.copy(sample_tokens[0])
            tokens[masked_index[0]] = p
            result = {
                "input_text": self.decode(sample_tokens[0].numpy()),
                "prediction": self.decode(tokens),
                "probability": v,
                "predicted mask token": self.convert_ids_to_tokens(p),
            }
            pprint(result)


# harness: vectorize_layer(["I have watched this [mask] and it was awesome"])
sample_tokens = ops.convert_to_tensor(
    np.array([[5, 6, 7, 8, mask_token_id, 9, 10, 11, 12] + [0] * (config.MAX_LEN - 9)]))
generator_callback = MaskedTextGenerator(sample_tokens.numpy())

bert_masked_model = create_masked_language_bert_model()
summary_lines = []
bert_masked_model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
bert_masked_model.set_weights(
    [seeded.normal(0, 0.2, w.shape).astype("float32") for w in bert_masked_model.get_weights()])

"""
## Train and Save
"""

mlm_history = bert_masked_model.fit(
    x_masked_train, y_masked_labels, sample_weight=sample_weights,  # harness: arrays, not mlm_ds
    batch_size=config.BATCH_SIZE, shuffle=False, verbose=0,
    epochs=2,  # harness: 5
    callbacks=[generator_callback],
)
bert_masked_model.save("bert_mlm_imdb.keras")

"""
## Fine-tune a sentiment classification model
"""

# Load pretrained bert model
mlm_model = keras.models.load_model(
    "bert_mlm_imdb.keras", custom_objects={"MaskedLanguageModel": MaskedLanguageModel,
                                           "PositionEmbedding": PositionEmbedding}  # harness:
)
pretrained_bert_model = keras.Model(
    mlm_model.input, mlm_model.get_layer("encoder_0_ffn_layernormalization").output
)

# Freeze it
pretrained_bert_model.trainable = False


def create_classifier_bert_model():
    inputs = layers.Input((config.MAX_LEN,), dtype="int64")
    sequence_output = pretrained_bert_model(inputs)
    pooled_output = layers.GlobalMaxPooling1D()(sequence_output)
    hidden_layer = layers.Dense(8, activation="relu")(pooled_output)  # harness: 64 units
    outputs = layers.Dense(1, activation="sigmoid")(hidden_layer)
    classifer_model = keras.Model(inputs, outputs, name="classification")
    optimizer = keras.optimizers.Adam()
    classifer_model.compile(
        optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"]
    )
    return classifer_model


classifer_model = create_classifier_bert_model()
frozen_counts = (len(classifer_model.trainable_weights), len(classifer_model.non_trainable_weights))
# harness: equal initial weights for the new head
head = classifer_model.layers[-2:]
for layer in head:
    layer.set_weights([seeded.normal(0, 0.3, w.shape).astype("float32") for w in layer.get_weights()])

# Train the classifier with frozen BERT stage
frozen_history = classifer_model.fit(
    x_train, y_train, batch_size=config.BATCH_SIZE,  # harness: arrays, not train_classifier_ds
    epochs=2,  # harness: 5
    validation_data=(x_test, y_test), shuffle=False, verbose=0,
)

# Unfreeze the BERT model for fine-tuning
pretrained_bert_model.trainable = True
optimizer = keras.optimizers.Adam()
classifer_model.compile(
    optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"]
)
finetune_history = classifer_model.fit(
    x_train, y_train, batch_size=config.BATCH_SIZE,
    epochs=2,  # harness: 5
    validation_data=(x_test, y_test), shuffle=False, verbose=0,
)

RESULTS.update({
    "mlm_params": bert_masked_model.count_params(),
    "mlm_layer_names": [layer.name for layer in bert_masked_model.layers],
    "summary_has_total": int(any("Total params" in line for line in summary_lines)),
    "mlm_history_keys": sorted(mlm_history.history),
    "mlm_loss": mlm_history.history["loss"],
    "mlm_evaluate": bert_masked_model.evaluate(
        x_masked_train, y_masked_labels, sample_weight=sample_weights,
        batch_size=config.BATCH_SIZE, verbose=0),
    "generated_tokens": [r["predicted mask token"] for r in generated],
    "generated_probability": [float(r["probability"]) for r in generated],
    "generated_prediction": generated[0]["prediction"],
    "loaded_class": type(mlm_model).__name__,
    "loaded_predict": mlm_model.predict(x_test[:4], verbose=0)[:, :3],
    "pretrained_output_shape": list(pretrained_bert_model.output.shape[1:]),
    "frozen_counts": list(frozen_counts),
    "unfrozen_counts": [len(classifer_model.trainable_weights),
                        len(classifer_model.non_trainable_weights)],
    "frozen_history_keys": sorted(frozen_history.history),
    "frozen_loss": frozen_history.history["loss"],
    "frozen_val_loss": frozen_history.history["val_loss"],
    "finetune_loss": finetune_history.history["loss"],
    "finetune_val_accuracy": finetune_history.history["val_accuracy"],
    "classifier_predict": classifer_model.predict(x_test[:4], verbose=0),
    "classifier_params": classifer_model.count_params(),
})
