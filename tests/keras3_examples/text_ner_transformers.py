"""keras.io examples/nlp/ner_transformers.py: named entity recognition with a subclassed Transformer.

Synthetic CoNLL-shaped data: token ids (the example's StringLookup needs TensorFlow) and
tag ids, 0 being padding for both.
"""
import numpy as np
import keras
from keras import ops
from keras import layers


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = keras.layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim
        )
        self.ffn = keras.Sequential(
            [
                keras.layers.Dense(ff_dim, activation="relu"),
                keras.layers.Dense(embed_dim),
            ]
        )
        self.layernorm1 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = keras.layers.Dropout(rate)
        self.dropout2 = keras.layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = keras.layers.Embedding(
            input_dim=vocab_size, output_dim=embed_dim
        )
        self.pos_emb = keras.layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, inputs):
        maxlen = ops.shape(inputs)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        position_embeddings = self.pos_emb(positions)
        token_embeddings = self.token_emb(inputs)
        return token_embeddings + position_embeddings


class NERModel(keras.Model):
    def __init__(
        self, num_tags, vocab_size, maxlen=128, embed_dim=32, num_heads=2, ff_dim=32
    ):
        super().__init__()
        self.embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
        self.transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim,
                                                  rate=0.0)  # harness: default rate 0.1
        self.dropout1 = layers.Dropout(0.0)  # harness: 0.1 in the original
        self.ff = layers.Dense(ff_dim, activation="relu")
        self.dropout2 = layers.Dropout(0.0)  # harness: 0.1 in the original
        self.ff_final = layers.Dense(num_tags, activation="softmax")

    def call(self, inputs, training=False):
        x = self.embedding_layer(inputs)
        x = self.transformer_block(x)
        x = self.dropout1(x, training=training)
        x = self.ff(x)
        x = self.dropout2(x, training=training)
        x = self.ff_final(x)
        return x


"""
## Load the CoNLL 2003 dataset (synthetic here)
"""

num_tags = 10  # harness: len(mapping) of the 9 NER tags + padding
vocab_size = 60  # harness: 20000 in the original
maxlen = 12  # harness: sequences padded to the batch's longest in the original

rng = np.random.RandomState(0)


def make_split(n):
    tokens = np.zeros((n, maxlen), dtype="int64")
    tags = np.zeros((n, maxlen), dtype="int64")
    for row in range(n):
        length = rng.randint(3, maxlen + 1)
        tokens[row, :length] = rng.randint(2, vocab_size, size=length)
        tags[row, :length] = 1 + tokens[row, :length] % (num_tags - 1)
    return tokens, tags


x_train, y_train = make_split(32)
x_val, y_val = make_split(12)

"""
## Create the NER model
"""

ner_model = NERModel(num_tags, vocab_size, maxlen=maxlen, embed_dim=16, num_heads=2, ff_dim=16)


class CustomNonPaddingTokenLoss(keras.losses.Loss):
    def __init__(self, name="custom_ner_loss"):
        super().__init__(name=name)

    def call(self, y_true, y_pred):
        loss_fn = keras.losses.SparseCategoricalCrossentropy(
            from_logits=False, reduction=None
        )
        loss = loss_fn(y_true, y_pred)
        mask = ops.cast((y_true > 0), dtype="float32")
        loss = loss * mask
        return ops.sum(loss) / ops.sum(mask)


loss = CustomNonPaddingTokenLoss()

"""
## Compile and fit the model
"""

ner_model.compile(optimizer="adam", loss=loss)
ner_model(x_train[:2])  # harness: build, then equal initial weights in both libraries
seeded = np.random.RandomState(1)
ner_model.set_weights([seeded.normal(0, 0.2, w.shape).astype("float32")
                       for w in ner_model.get_weights()])
history = ner_model.fit(x_train, y_train, epochs=3, batch_size=8,  # harness: 10 epochs
                        shuffle=False)  # harness


def tokenize_and_convert_to_ids(text):
    # harness: ids of a fixed "sentence" instead of lowercase_and_convert_to_ids(text.split())
    return np.array([5, 17, 23, 41, 8])


# Sample inference using the trained model
sample_input = tokenize_and_convert_to_ids(
    "eu rejects german call to boycott british lamb"
)
sample_input = ops.reshape(sample_input, (1, -1))
print(sample_input)

output = ner_model.predict(sample_input)
prediction = np.argmax(output, axis=-1)[0]
print(prediction)

"""
## Metrics calculation
"""


def calculate_metrics(x, y):
    all_true_tag_ids, all_predicted_tag_ids = [], []

    for start in range(0, len(x), 4):  # harness: for x, y in dataset
        output = ner_model.predict(x[start:start + 4], verbose=0)
        predictions = np.argmax(output, axis=-1)
        predictions = np.reshape(predictions, [-1])

        true_tag_ids = np.reshape(y[start:start + 4], [-1])

        mask = (true_tag_ids > 0) & (predictions > 0)
        true_tag_ids = true_tag_ids[mask]
        predicted_tag_ids = predictions[mask]

        all_true_tag_ids.append(true_tag_ids)
        all_predicted_tag_ids.append(predicted_tag_ids)

    all_true_tag_ids = np.concatenate(all_true_tag_ids)
    all_predicted_tag_ids = np.concatenate(all_predicted_tag_ids)
    return float(np.mean(all_true_tag_ids == all_predicted_tag_ids))


RESULTS = {
    "params": ner_model.count_params(),
    "n_weights": len(ner_model.weights),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "evaluate": ner_model.evaluate(x_val, y_val, verbose=0),
    "loss_config": str(sorted(loss.get_config().items())),
    "direct_loss": float(ops.convert_to_numpy(loss(y_val, ner_model(x_val)))),
    "sample_output": output,
    "prediction": prediction,
    "val_tag_accuracy": calculate_metrics(x_val, y_val),
}
