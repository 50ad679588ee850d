"""keras.io example "Text generation with a miniature GPT" (examples/generative/text_generation_with_miniature_gpt.py).

The causal attention mask built with ``ops.arange``/``ops.tile`` and a batch
size read from ``ops.shape``; the ``TransformerBlock`` (``MultiHeadAttention``
with ``attention_mask``, a Sequential feed-forward net, LayerNormalization,
Dropout) and ``TokenAndPositionEmbedding`` layers; a functional model with two
outputs compiled with ``loss=[loss_fn, None]`` and trained on a single target;
the ``TextGenerator`` callback that samples with ``ops.top_k`` and
``keras.activations.softmax``. The IMDB ``tf.data``/``TextVectorization``
pipeline is replaced by synthetic token ids and a made-up vocabulary; dropout
rate 0 and the sampler a seeded ``RandomState`` (``# harness:``). Small sizes.
"""

import numpy as np
import keras
from keras import layers
from keras import ops

RESULTS = {}
_sampler = np.random.RandomState(11)  # harness: stand-in for the global np.random.choice

"""
## Implement a Transformer block as a layer
"""


def causal_attention_mask(batch_size, n_dest, n_src, dtype):
    """
    Mask the upper half of the dot product matrix in self attention.
    This prevents flow of information from future tokens to current token.
    1's in the lower triangle, counting from the lower right corner.
    """
    i = ops.arange(n_dest)[:, None]
    j = ops.arange(n_src)
    m = i >= j - n_src + n_dest
    mask = ops.cast(m, dtype)
    mask = ops.reshape(mask, [1, n_dest, n_src])
    mult = ops.concatenate(
        [ops.expand_dims(batch_size, -1), ops.convert_to_tensor([1, 1])], 0
    )
    return ops.tile(mask, mult)


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads, embed_dim)
        self.ffn = keras.Sequential(
            [
                layers.Dense(ff_dim, activation="relu"),
                layers.Dense(embed_dim),
            ]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        input_shape = ops.shape(inputs)
        batch_size = input_shape[0]
        seq_len = input_shape[1]
        causal_mask = causal_attention_mask(batch_size, seq_len, seq_len, "bool")
        attention_output = self.att(inputs, inputs, attention_mask=causal_mask)
        attention_output = self.dropout1(attention_output)
        out1 = self.layernorm1(inputs + attention_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)


"""
## Implement an embedding layer
"""


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(0, maxlen, 1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


"""
## Implement the miniature GPT model
"""
vocab_size = 40  # Only consider the top 20k words (harness: 20000)
maxlen = 10  # Max sequence size (harness: 80)
embed_dim = 16  # Embedding size for each token (harness: 256)
num_heads = 2  # Number of attention heads
feed_forward_dim = 16  # Hidden layer size in feed forward network inside transformer (harness: 256)


def create_model():
    inputs = layers.Input(shape=(maxlen,), dtype="int32")
    embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
    x = embedding_layer(inputs)
    transformer_block = TransformerBlock(embed_dim, num_heads, feed_forward_dim, rate=0.0)  # harness: rate
    x = transformer_block(x)
    outputs = layers.Dense(vocab_size)(x)
    model = keras.Model(inputs=inputs, outputs=[outputs, x])
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(
        "adam",
        loss=[loss_fn, None],
    )  # No loss and optimization based on word embeddings from transformer block
    return model


"""
## Prepare the data for word-level language modelling (synthetic token ids)
"""

batch_size = 8  # harness: 128
rng = np.random.RandomState(0)
tokens = rng.randint(2, vocab_size, size=(24, maxlen + 1)).astype("int32")
vocab = ["", "[UNK]"] + ["w%d" % i for i in range(2, vocab_size)]  # harness: vectorize_layer.get_vocabulary()


def prepare_lm_inputs_labels(tokenized_sentences):
    """
    Shift word sequences by 1 position so that the target for position (i) is
    word at position (i+1). The model will use all words up till position (i)
    to predict the next word.
    """
    x = tokenized_sentences[:, :-1]
    y = tokenized_sentences[:, 1:]
    return x, y


x_train, y_train = prepare_lm_inputs_labels(tokens)  # harness: text_ds.map(...)

"""
## Implement a Keras callback for generating text
"""


class TextGenerator(keras.callbacks.Callback):
    """A callback to generate text from a trained model.
    1. Feed some starting prompt to the model
    2. Predict probabilities for the next token
    3. Sample the next token and add it to the next input

    Arguments:
        max_tokens: Integer, the number of tokens to be generated after prompt.
        start_tokens: List of integers, the token indices for the starting prompt.
        index_to_word: List of strings, obtained from the TextVectorization layer.
        top_k: Integer, sample from the `top_k` token predictions.
        print_every: Integer, print after this many epochs.
    """

    def __init__(
        self, max_tokens, start_tokens, index_to_word, top_k=10, print_every=1
    ):
        self.max_tokens = max_tokens
        self.start_tokens = start_tokens
        self.index_to_word = index_to_word
        self.print_every = print_every
        self.k = top_k
        self.generated = []  # harness: kept for RESULTS

    def sample_from(self, logits):
        logits, indices = ops.top_k(logits, k=self.k, sorted=True)
        indices = np.asarray(indices).astype("int32")
        preds = keras.activations.softmax(ops.expand_dims(logits, 0))[0]
        preds = np.asarray(preds).astype("float32")
        return _sampler.choice(indices, p=preds / preds.sum())  # harness: np.random.choice, renormalised

    def detokenize(self, number):
        return self.index_to_word[number]

    def on_epoch_end(self, epoch, logs=None):
        start_tokens = [_ for _ in self.start_tokens]
        if (epoch + 1) % self.print_every != 0:
            return
        num_tokens_generated = 0
        tokens_generated = []
        while num_tokens_generated <= self.max_tokens:
            pad_len = maxlen - len(start_tokens)
            sample_index = len(start_tokens) - 1
            if pad_len < 0:
                x = start_tokens[:maxlen]
                sample_index = maxlen - 1
            elif pad_len > 0:
                x = start_tokens + [0] * pad_len
            else:
                x = start_tokens
            x = np.array([x])
            y, _ = self.model.predict(x, verbose=0)
            sample_token = self.sample_from(y[0][sample_index])
            tokens_generated.append(sample_token)
            start_tokens.append(sample_token)
            num_tokens_generated = len(tokens_generated)
        txt = " ".join(
            [self.detokenize(_) for _ in self.start_tokens + tokens_generated]
        )
        print(f"generated text:\n{txt}\n")
        self.generated.append(txt)  # harness:


# Tokenize starting prompt
word_to_index = {}
for index, word in enumerate(vocab):
    word_to_index[word] = index

start_prompt = "w3 w7 w11"
start_tokens = [word_to_index.get(_, 1) for _ in start_prompt.split()]
num_tokens_generated = 6  # harness: 40
text_gen_callback = TextGenerator(num_tokens_generated, start_tokens, vocab, top_k=5)

"""
## Train the model
"""

model = create_model()
# harness: equal initial weights on both sides
_rs = np.random.RandomState(1)
model.set_weights([_rs.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])
RESULTS["count_params"] = model.count_params()
RESULTS["output_shapes"] = [str(t.shape) for t in model.outputs]
RESULTS["mask"] = ops.convert_to_numpy(causal_attention_mask(2, 4, 4, "int32"))
RESULTS["mask_rect"] = ops.convert_to_numpy(causal_attention_mask(1, 3, 5, "float32"))

h = model.fit(x_train, y_train, batch_size=batch_size, verbose=2, epochs=2,
              callbacks=[text_gen_callback], shuffle=False)  # harness: numpy, 25 epochs
RESULTS["hist_keys"] = sorted(h.history)
RESULTS["loss"] = h.history["loss"]
RESULTS["generated"] = text_gen_callback.generated
logits, hidden = model.predict(x_train[:2], verbose=0)
RESULTS["logits"] = logits[:, ::3, ::5]
RESULTS["hidden"] = hidden[:, -1]
RESULTS["evaluate"] = model.evaluate(x_train, y_train, batch_size=batch_size, verbose=0)
RTOL, ATOL = 1e-4, 1e-4
