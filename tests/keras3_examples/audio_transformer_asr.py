"""keras.io example "Automatic Speech Recognition with Transformer" (examples/audio/transformer_asr.py).

The example's ``TokenEmbedding`` and strided ``Conv1D`` ``SpeechFeatureEmbedding``,
``TransformerEncoder``/``TransformerDecoder`` layers (``MultiHeadAttention``
with a boolean causal ``attention_mask``), a ``Transformer`` model holding a
``Sequential`` of custom layers and decoder layers set with ``setattr``, a
``train_step``/``test_step`` on dict batches calling
``self.compute_loss(None, one_hot, preds, sample_weight=mask)`` with
``CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)``, greedy
``generate``, the ``DisplayOutputs`` callback and the warm-up/decay
``LearningRateSchedule`` subclass. The example is written for the tensorflow
backend: its ``tf.*`` calls are written with ``keras.ops`` and the
``tf.GradientTape`` steps the torch way (``# torch:``). Its dropout rates are
kept: ``train_step`` calls the model without ``training=``, which Keras resolves
to inference (no dropout), and so does keraton. Synthetic spectrograms and
transcripts; tiny sizes; seeded weights.
"""

import numpy as np
import torch
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Define the Transformer Input Layer
"""


class TokenEmbedding(layers.Layer):
    def __init__(self, num_vocab=1000, maxlen=100, num_hid=64):
        super().__init__()
        self.emb = keras.layers.Embedding(num_vocab, num_hid)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=num_hid)

    def call(self, x):
        maxlen = ops.shape(x)[-1]  # torch: tf.shape
        x = self.emb(x)
        positions = ops.arange(start=0, stop=maxlen, step=1)  # torch: tf.range
        positions = self.pos_emb(positions)
        return x + positions


class SpeechFeatureEmbedding(layers.Layer):
    def __init__(self, num_hid=64, maxlen=100):
        super().__init__()
        self.conv1 = keras.layers.Conv1D(
            num_hid, 11, strides=2, padding="same", activation="relu"
        )
        self.conv2 = keras.layers.Conv1D(
            num_hid, 11, strides=2, padding="same", activation="relu"
        )
        self.conv3 = keras.layers.Conv1D(
            num_hid, 11, strides=2, padding="same", activation="relu"
        )

    def call(self, x):
        x = self.conv1(x)
        x = self.conv2(x)
        return self.conv3(x)


"""
## Transformer Encoder Layer
"""


class TransformerEncoder(layers.Layer):
    def __init__(self, embed_dim, num_heads, feed_forward_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [
                layers.Dense(feed_forward_dim, activation="relu"),
                layers.Dense(embed_dim),
            ]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


"""
## Transformer Decoder Layer
"""


class TransformerDecoder(layers.Layer):
    def __init__(self, embed_dim, num_heads, feed_forward_dim, dropout_rate=0.1):
        super().__init__()
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm3 = layers.LayerNormalization(epsilon=1e-6)
        self.self_att = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim
        )
        self.enc_att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.self_dropout = layers.Dropout(0.5)
        self.enc_dropout = layers.Dropout(0.1)
        self.ffn_dropout = layers.Dropout(0.1)
        self.ffn = keras.Sequential(
            [
                layers.Dense(feed_forward_dim, activation="relu"),
                layers.Dense(embed_dim),
            ]
        )

    def causal_attention_mask(self, batch_size, n_dest, n_src, dtype):
        """Masks the upper half of the dot product matrix in self attention.

        This prevents flow of information from future tokens to current token.
        1's in the lower triangle, counting from the lower right corner.
        """
        # torch: the tf.range/tf.cast/tf.reshape/tf.tile calls written with keras.ops
        i = ops.arange(n_dest)[:, None]
        j = ops.arange(n_src)
        m = i >= j - n_src + n_dest
        mask = ops.cast(m, dtype)
        mask = ops.reshape(mask, [1, n_dest, n_src])
        mult = ops.concatenate(
            [ops.expand_dims(batch_size, -1), ops.convert_to_tensor([1, 1], dtype="int32")], 0
        )
        return ops.tile(mask, mult)

    def call(self, enc_out, target):
        input_shape = ops.shape(target)
        batch_size = input_shape[0]
        seq_len = input_shape[1]
        causal_mask = self.causal_attention_mask(batch_size, seq_len, seq_len, "bool")
        target_att = self.self_att(target, target, attention_mask=causal_mask)
        target_norm = self.layernorm1(target + self.self_dropout(target_att))
        enc_out = self.enc_att(target_norm, enc_out)
        enc_out_norm = self.layernorm2(self.enc_dropout(enc_out) + target_norm)
        ffn_out = self.ffn(enc_out_norm)
        ffn_out_norm = self.layernorm3(enc_out_norm + self.ffn_dropout(ffn_out))
        return ffn_out_norm


"""
## Complete the Transformer model
"""


class Transformer(keras.Model):
    def __init__(
        self,
        num_hid=64,
        num_head=2,
        num_feed_forward=128,
        source_maxlen=100,
        target_maxlen=100,
        num_layers_enc=4,
        num_layers_dec=1,
        num_classes=10,
    ):
        super().__init__()
        self.loss_metric = keras.metrics.Mean(name="loss")
        self.num_layers_enc = num_layers_enc
        self.num_layers_dec = num_layers_dec
        self.target_maxlen = target_maxlen
        self.num_classes = num_classes

        self.enc_input = SpeechFeatureEmbedding(num_hid=num_hid, maxlen=source_maxlen)
        self.dec_input = TokenEmbedding(
            num_vocab=num_classes, maxlen=target_maxlen, num_hid=num_hid
        )

        self.encoder = keras.Sequential(
            [self.enc_input]
            + [
                TransformerEncoder(num_hid, num_head, num_feed_forward)
                for _ in range(num_layers_enc)
            ]
        )

        for i in range(num_layers_dec):
            setattr(
                self,
                f"dec_layer_{i}",
                TransformerDecoder(num_hid, num_head, num_feed_forward),
            )

        self.classifier = layers.Dense(num_classes)

    def decode(self, enc_out, target):
        y = self.dec_input(target)
        for i in range(self.num_layers_dec):
            y = getattr(self, f"dec_layer_{i}")(enc_out, y)
        return y

    def call(self, inputs):
        source = inputs[0]
        target = inputs[1]
        x = self.encoder(source)
        y = self.decode(x, target)
        return self.classifier(y)

    @property
    def metrics(self):
        return [self.loss_metric]

    def train_step(self, batch):
        """Processes one batch inside model.fit()."""
        source = batch["source"]
        target = batch["target"]
        dec_input = target[:, :-1]
        dec_target = target[:, 1:]
        self.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        preds = self([source, dec_input])
        one_hot = ops.one_hot(dec_target, self.num_classes)
        mask = ops.logical_not(ops.equal(dec_target, 0))
        loss = self.compute_loss(None, one_hot, preds, sample_weight=mask)
        loss.backward()
        trainable_vars = self.trainable_variables
        gradients = [v.value.grad for v in trainable_vars]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_vars)
        self.loss_metric.update_state(loss)
        return {"loss": self.loss_metric.result()}

    def test_step(self, batch):
        source = batch["source"]
        target = batch["target"]
        dec_input = target[:, :-1]
        dec_target = target[:, 1:]
        preds = self([source, dec_input])
        one_hot = ops.one_hot(dec_target, self.num_classes)
        mask = ops.logical_not(ops.equal(dec_target, 0))
        loss = self.compute_loss(None, one_hot, preds, sample_weight=mask)
        self.loss_metric.update_state(loss)
        return {"loss": self.loss_metric.result()}

    def generate(self, source, target_start_token_idx):
        """Performs inference over one batch of inputs using greedy decoding."""
        bs = ops.shape(source)[0]
        enc = self.encoder(source)
        dec_input = ops.ones((bs, 1), dtype="int32") * target_start_token_idx
        dec_logits = []
        for i in range(self.target_maxlen - 1):
            dec_out = self.decode(enc, dec_input)
            logits = self.classifier(dec_out)
            logits = ops.cast(ops.argmax(logits, axis=-1), "int32")
            last_logit = ops.expand_dims(logits[:, -1], axis=-1)
            dec_logits.append(last_logit)
            dec_input = ops.concatenate([dec_input, last_logit], axis=-1)
        return dec_input


"""
## Preprocess the dataset (synthetic transcripts and normalised spectrograms)
"""


class VectorizeChar:
    def __init__(self, max_len=50):
        self.vocab = (
            ["-", "#", "<", ">"]
            + [chr(i + 96) for i in range(1, 27)]
            + [" ", ".", ",", "?"]
        )
        self.max_len = max_len
        self.char_to_idx = {}
        for i, ch in enumerate(self.vocab):
            self.char_to_idx[ch] = i

    def __call__(self, text):
        text = text.lower()
        text = text[: self.max_len - 2]
        text = "<" + text + ">"
        pad_len = self.max_len - len(text)
        return [self.char_to_idx.get(ch, 1) for ch in text] + [0] * pad_len

    def get_vocabulary(self):
        return self.vocab


max_target_len = 10  # harness: 200
vectorizer = VectorizeChar(max_target_len)
RESULTS["vocab_size"] = len(vectorizer.get_vocabulary())

rng = np.random.RandomState(0)
words = ["the car", "as they sat", "may one", "lunch", "oswald asked", "sixty,", "where?", "in it."]
texts = [words[i] for i in rng.randint(0, len(words), 12)]
spectrograms = rng.normal(size=(12, 32, 16)).astype("float32")  # harness: (2754, 129) STFT frames


def create_dataset(texts, spectrograms):  # harness: numpy dicts in place of the tf.data pipeline
    return {
        "source": spectrograms,
        "target": np.array([vectorizer(t) for t in texts], dtype="int32"),
    }


ds = create_dataset(texts[:8], spectrograms[:8])
val_ds = create_dataset(texts[8:], spectrograms[8:])
RESULTS["first_target"] = ds["target"][0]

"""
## Callbacks to display predictions
"""


class DisplayOutputs(keras.callbacks.Callback):
    def __init__(
        self, batch, idx_to_token, target_start_token_idx=27, target_end_token_idx=28
    ):
        """Displays a batch of outputs after every epoch"""
        self.batch = batch
        self.target_start_token_idx = target_start_token_idx
        self.target_end_token_idx = target_end_token_idx
        self.idx_to_char = idx_to_token

    def on_epoch_end(self, epoch, logs=None):
        if epoch % 5 != 0:
            return
        source = self.batch["source"]
        target = self.batch["target"]  # harness: numpy already (.numpy() on a tf tensor)
        bs = ops.shape(source)[0]
        preds = self.model.generate(source, self.target_start_token_idx)
        preds = ops.convert_to_numpy(preds)  # torch: instead of .numpy()
        for i in range(bs):
            target_text = "".join([self.idx_to_char[_] for _ in target[i, :]])
            prediction = ""
            for idx in preds[i, :]:
                prediction += self.idx_to_char[idx]
                if idx == self.target_end_token_idx:
                    break
            # harness: recorded instead of printed
            RESULTS[f"display_{epoch}_{i}"] = [target_text.replace("-", ""), prediction]


"""
## Learning rate schedule
"""


class CustomSchedule(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(
        self,
        init_lr=0.00001,
        lr_after_warmup=0.001,
        final_lr=0.00001,
        warmup_epochs=15,
        decay_epochs=85,
        steps_per_epoch=203,
    ):
        super().__init__()
        self.init_lr = init_lr
        self.lr_after_warmup = lr_after_warmup
        self.final_lr = final_lr
        self.warmup_epochs = warmup_epochs
        self.decay_epochs = decay_epochs
        self.steps_per_epoch = steps_per_epoch

    def calculate_lr(self, epoch):
        """linear warm up - linear decay"""
        warmup_lr = (
            self.init_lr
            + ((self.lr_after_warmup - self.init_lr) / (self.warmup_epochs - 1)) * epoch
        )
        decay_lr = ops.maximum(  # torch: tf.math.maximum
            self.final_lr,
            self.lr_after_warmup
            - (epoch - self.warmup_epochs)
            * (self.lr_after_warmup - self.final_lr)
            / self.decay_epochs,
        )
        return ops.minimum(warmup_lr, decay_lr)  # torch: tf.math.minimum

    def __call__(self, step):
        epoch = step // self.steps_per_epoch
        epoch = ops.cast(epoch, "float32")
        return self.calculate_lr(epoch)


"""
## Create & train the end-to-end model
"""

batch = {k: v[:2] for k, v in val_ds.items()}  # harness: next(iter(val_ds))

# The vocabulary to convert predicted indices into characters
idx_to_char = vectorizer.get_vocabulary()
display_cb = DisplayOutputs(
    batch, idx_to_char, target_start_token_idx=2, target_end_token_idx=3
)  # set the arguments as per vocabulary index for '<' and '>'

model = Transformer(
    num_hid=8,  # harness: 200
    num_head=2,
    num_feed_forward=16,  # harness: 400
    target_maxlen=max_target_len,
    num_layers_enc=2,  # harness: 4
    num_layers_dec=1,
    num_classes=34,
)
loss_fn = keras.losses.CategoricalCrossentropy(
    from_logits=True,
    label_smoothing=0.1,
)

learning_rate = CustomSchedule(
    init_lr=0.00001,
    lr_after_warmup=0.001,
    final_lr=0.00001,
    warmup_epochs=3,  # harness: 15
    decay_epochs=85,
    steps_per_epoch=2,  # harness: len(ds)
)
optimizer = keras.optimizers.Adam(learning_rate)
model.compile(optimizer=optimizer, loss=loss_fn)

model([ds["source"][:1], ds["target"][:1, :-1]])  # harness: build before seeding weights
_rs = np.random.RandomState(1)  # harness: equal initial weights on both sides
model.set_weights([_rs.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])  # harness:
RESULTS["count_params"] = model.count_params()
RESULTS["n_weights"] = len(model.weights)
RESULTS["encoder_output_shape"] = list(model.encoder(ds["source"][:2]).shape)
RESULTS["lr_schedule"] = [float(learning_rate(s)) for s in (0, 2, 4, 6, 40)]

# harness: Keras 3.15 (torch) fit() builds a compiled loss by calling the model on a
# symbolic batch (a dict, which this call() does not take); one test_step builds it first.
model.test_step(batch)
history = model.fit(
    ds, validation_data=val_ds, callbacks=[display_cb], epochs=2,  # harness: epochs
    batch_size=4, shuffle=False, verbose=0,  # harness: numpy in place of tf.data
)
RESULTS["history_keys"] = sorted(history.history)
RESULTS["loss"] = history.history["loss"]
RESULTS["val_loss"] = history.history["val_loss"]
RESULTS["iterations"] = int(optimizer.iterations)
RESULTS["learning_rate_after"] = float(optimizer.learning_rate)
RESULTS["classifier_kernel"] = model.classifier.get_weights()[0][:3, :4]
RESULTS["generated"] = ops.convert_to_numpy(model.generate(val_ds["source"][:2], 2))
RESULTS["eval_loss"] = model.evaluate(val_ds, batch_size=4, verbose=0)
RTOL, ATOL = 1e-4, 1e-5
