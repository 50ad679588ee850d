"""keras.io example "Sentence embeddings using Siamese RoBERTa-networks" (examples/nlp/sentence_embeddings_with_sbert.py).

One shared encoder (token ids -> backbone -> ``GlobalAveragePooling1D`` with
the padding mask -> ``UnitNormalization``) used by two Siamese models built by
subclassing ``keras.Model`` with functional ``__init__``: the regression
Siamese (``ops.split`` of a pair input, cosine scores by
``ops.matmul(u, ops.transpose(v))``, MSE against STS-B-shaped scores) and the
triplet Siamese (three inputs, Euclidean distances stacked on axis 0, the
example's ``TripletLoss(keras.losses.Loss)``). keras_hub's RoBERTa
preprocessor/backbone are replaced by an ``Embedding`` + ``Dense`` stand-in on
synthetic integer token ids (``# harness:``); the pair input is ``(2, L)``
ids, split and squeezed.
"""

import numpy as np
import keras

RESULTS = {}

TRAIN_BATCH_SIZE = 6
VOCAB = 50  # harness: RoBERTa vocabulary
SEQ_LEN = 8  # harness: preprocessor sequence_length
HIDDEN = 12  # harness: 768


def seed_weights(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])


rng = np.random.RandomState(0)  # harness: synthetic STS-B / wiki triplets


def sentences(n):
    ids = rng.randint(1, VOCAB, size=(n, SEQ_LEN))
    lengths = rng.randint(3, SEQ_LEN + 1, size=n)
    ids[np.arange(SEQ_LEN)[None, :] >= lengths[:, None]] = 0  # padding
    return ids


"""
## Fine-tune using the regression objective function
"""

# harness: `keras_hub.models.RobertaPreprocessor` / `RobertaBackbone` stand-ins
token_ids = keras.Input(shape=(SEQ_LEN,), dtype="int32", name="sentence")
padding_mask = keras.ops.not_equal(token_ids, 0)
h = keras.layers.Embedding(VOCAB, HIDDEN)(token_ids)
h = keras.layers.Dense(HIDDEN, activation="gelu")(h)
embedding = keras.layers.GlobalAveragePooling1D(name="pooling_layer")(h, padding_mask)
n_embedding = keras.layers.UnitNormalization(axis=1)(embedding)
roberta_normal_encoder = keras.Model(inputs=token_ids, outputs=n_embedding)
seed_weights(roberta_normal_encoder, 1)  # harness:


class RegressionSiamese(keras.Model):
    def __init__(self, encoder, **kwargs):
        inputs = keras.Input(shape=(2, SEQ_LEN), dtype="int32", name="sentences")  # harness: ids
        sen1, sen2 = keras.ops.split(inputs, 2, axis=1)
        sen1 = keras.ops.squeeze(sen1, axis=1)  # harness: (B, 1, L) ids -> (B, L)
        sen2 = keras.ops.squeeze(sen2, axis=1)  # harness:
        u = encoder(sen1)
        v = encoder(sen2)
        cosine_similarity_scores = keras.ops.matmul(u, keras.ops.transpose(v))

        super().__init__(
            inputs=inputs,
            outputs=cosine_similarity_scores,
            **kwargs,
        )

        self.encoder = encoder

    def get_encoder(self):
        return self.encoder


pairs = np.stack([sentences(24), sentences(24)], axis=1)
scores = (rng.randint(0, 6, size=(24,)) / 2.5 - 1).astype("float32")  # STS-B scores mapped to [-1, 1]
test_pairs = np.stack([sentences(4), sentences(4)], axis=1)

roberta_regression_siamese = RegressionSiamese(roberta_normal_encoder)

roberta_regression_siamese.compile(
    loss=keras.losses.MeanSquaredError(),
    optimizer=keras.optimizers.Adam(2e-2),  # harness: 2e-5
    jit_compile=False,
)

hist = roberta_regression_siamese.fit(pairs, scores, batch_size=TRAIN_BATCH_SIZE, epochs=2,
                                      shuffle=False, verbose=0)  # harness:
RESULTS["reg_params"] = roberta_regression_siamese.count_params()
RESULTS["reg_hist_keys"] = sorted(hist.history)
RESULTS["reg_loss"] = hist.history["loss"]
RESULTS["reg_layer_classes"] = [type(layer).__name__ for layer in roberta_regression_siamese.layers]
RESULTS["reg_output_shape"] = str(tuple(roberta_regression_siamese.output.shape))
RESULTS["reg_evaluate"] = roberta_regression_siamese.evaluate(pairs[:6], scores[:6], verbose=0)

encoder = roberta_regression_siamese.get_encoder()
embeddings = keras.ops.convert_to_numpy(encoder(test_pairs[:, 0]))
RESULTS["reg_test_embeddings"] = embeddings[:, :5]
RESULTS["reg_test_norms"] = np.linalg.norm(embeddings, axis=1)
RESULTS["reg_cosine_matrix"] = keras.ops.convert_to_numpy(
    keras.ops.matmul(encoder(test_pairs[:, 0]), keras.ops.transpose(encoder(test_pairs[:, 1]))))

"""
## Fine-tune Using the triplet Objective Function
"""

token_ids = keras.Input(shape=(SEQ_LEN,), dtype="int32", name="sentence")
padding_mask = keras.ops.not_equal(token_ids, 0)
h = keras.layers.Embedding(VOCAB, HIDDEN)(token_ids)
h = keras.layers.Dense(HIDDEN, activation="gelu")(h)
embedding = keras.layers.GlobalAveragePooling1D(name="pooling_layer")(h, padding_mask)
roberta_encoder = keras.Model(inputs=token_ids, outputs=embedding)
seed_weights(roberta_encoder, 2)  # harness:


class TripletSiamese(keras.Model):
    def __init__(self, encoder, **kwargs):
        anchor = keras.Input(shape=(SEQ_LEN,), dtype="int32")  # harness: ids
        positive = keras.Input(shape=(SEQ_LEN,), dtype="int32")
        negative = keras.Input(shape=(SEQ_LEN,), dtype="int32")

        ea = encoder(anchor)
        ep = encoder(positive)
        en = encoder(negative)

        positive_dist = keras.ops.sum(keras.ops.square(ea - ep), axis=1)
        negative_dist = keras.ops.sum(keras.ops.square(ea - en), axis=1)

        positive_dist = keras.ops.sqrt(positive_dist)
        negative_dist = keras.ops.sqrt(negative_dist)

        output = keras.ops.stack([positive_dist, negative_dist], axis=0)

        super().__init__(inputs=[anchor, positive, negative], outputs=output, **kwargs)

        self.encoder = encoder

    def get_encoder(self):
        return self.encoder


class TripletLoss(keras.losses.Loss):
    def __init__(self, margin=1, **kwargs):
        super().__init__(**kwargs)
        self.margin = margin

    def call(self, y_true, y_pred):
        positive_dist, negative_dist = keras.ops.unstack(y_pred, axis=0)

        losses = keras.ops.relu(positive_dist - negative_dist + self.margin)
        return keras.ops.mean(losses, axis=0)


roberta_triplet_siamese = TripletSiamese(roberta_encoder)

roberta_triplet_siamese.compile(
    loss=TripletLoss(),
    optimizer=keras.optimizers.Adam(2e-2),  # harness: 2e-5
    jit_compile=False,
)

anchors, positives, negatives = sentences(18), sentences(18), sentences(18)
dummy = np.zeros((18,), dtype="float32")  # the example's dataset yields a dummy label 0
hist = roberta_triplet_siamese.fit([anchors, positives, negatives], dummy,
                                   batch_size=TRAIN_BATCH_SIZE, epochs=2,
                                   shuffle=False, verbose=0)  # harness:
RESULTS["triplet_params"] = roberta_triplet_siamese.count_params()
RESULTS["triplet_loss"] = hist.history["loss"]
RESULTS["triplet_output_shape"] = str(tuple(roberta_triplet_siamese.output.shape))
RESULTS["triplet_call"] = keras.ops.convert_to_numpy(
    roberta_triplet_siamese([anchors[:3], positives[:3], negatives[:3]]))
RESULTS["triplet_loss_direct"] = float(TripletLoss(margin=0.5)(
    np.zeros(3, "float32"), np.array([[0.2, 1.0, 0.4], [0.5, 0.3, 0.4]], "float32")))
RESULTS["triplet_encoder_embeddings"] = keras.ops.convert_to_numpy(
    roberta_triplet_siamese.get_encoder()(anchors[:2]))[:, :5]
