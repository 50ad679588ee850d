"""keras.io examples/nlp/multi_label_classification.py (Keras 3): arXiv subject tagging, synthetic.

Multi-hot label vectors (the example's ``StringLookup(output_mode="multi_hot")``),
TF-IDF bigram vectors (its ``TextVectorization(ngrams=2, output_mode="tf_idf")``;
both need TensorFlow, so they are computed here in NumPy), a ``Sequential``
MLP given no ``Input`` (built on the first batch of ``fit``), sigmoid outputs
with ``binary_crossentropy`` and ``binary_accuracy``, ``evaluate``, and the
example's top-3 decoding of predicted label sets (``invert_multi_hot``).
"""
import numpy as np
import keras
from keras import layers

"""
## Perform exploratory data analysis / multi-hot labels
"""

# harness: synthetic abstracts as token-id bags and their subject terms
rng = np.random.RandomState(0)
terms_vocab = ["[UNK]", "cs.CV", "cs.LG", "stat.ML", "cs.AI", "eess.IV", "cs.RO"]
vocab_size = 40  # harness: the TextVectorization vocabulary size


def make_split(n):
    texts = [rng.randint(0, vocab_size, size=rng.randint(5, 30)) for _ in range(n)]
    terms = [list(rng.choice(terms_vocab[1:], size=rng.randint(1, 4), replace=False))
             for _ in range(n)]
    return texts, terms


train_texts, train_terms = make_split(48)
val_texts, val_terms = make_split(16)
test_texts, test_terms = make_split(16)


def lookup(terms):  # harness: StringLookup(output_mode="multi_hot", vocabulary=terms_vocab)
    out = np.zeros((len(terms), len(terms_vocab)), "float32")
    for i, row in enumerate(terms):
        for t in row:
            out[i, terms_vocab.index(t)] = 1.0
    return out


def invert_multi_hot(encoded_labels):
    """Reverse a single multi-hot encoded label to a tuple of vocab terms."""
    hot_indices = np.argwhere(encoded_labels == 1.0)[..., 0]
    return np.take(terms_vocab, hot_indices)


sample_label = train_terms[0]
print(f"Original label: {sample_label}")
label_binarized = lookup([sample_label])
print(f"Label-binarized representation: {label_binarized}")

"""
## Dataset preview / vectorization
"""

# harness: TextVectorization(max_tokens=..., ngrams=2, output_mode="tf_idf") adapted on the
# training texts, in NumPy: counts times log(1 + num_docs / (1 + doc_freq))
counts_train = np.stack([np.bincount(t, minlength=vocab_size) for t in train_texts]).astype("float32")
doc_freq = (counts_train > 0).sum(axis=0)
idf = np.log(1 + len(train_texts) / (1 + doc_freq)).astype("float32")


def text_vectorizer(texts):
    return np.stack([np.bincount(t, minlength=vocab_size) for t in texts]).astype("float32") * idf


x_train, y_train = text_vectorizer(train_texts), lookup(train_terms)
x_val, y_val = text_vectorizer(val_texts), lookup(val_terms)
x_test, y_test = text_vectorizer(test_texts), lookup(test_terms)

"""
## Create a text classification model
"""

epochs = 3  # harness: 20
batch_size = 16  # harness: 128


def make_model():
    shallow_mlp_model = keras.Sequential(
        [
            layers.Dense(32, activation="relu"),  # harness: 512
            layers.Dense(16, activation="relu"),  # harness: 256
            layers.Dense(len(terms_vocab), activation="sigmoid"),  # harness: lookup.vocabulary_size()
        ]  # More on why "sigmoid" has been used here in a moment.
    )
    return shallow_mlp_model


"""
## Train the model
"""

shallow_mlp_model = make_model()
built_before_fit = int(shallow_mlp_model.built)
# harness: equal initial weights in both libraries (the model is built on one batch first)
shallow_mlp_model.build((None, vocab_size))
seeded = np.random.RandomState(1)
shallow_mlp_model.set_weights(
    [seeded.normal(0, 0.3, w.shape).astype("float32") for w in shallow_mlp_model.get_weights()])

shallow_mlp_model.compile(
    loss="binary_crossentropy", optimizer="adam", metrics=["binary_accuracy"]
)

history = shallow_mlp_model.fit(
    x_train, y_train, batch_size=batch_size,  # harness: arrays instead of train_dataset
    validation_data=(x_val, y_val), epochs=epochs,
    shuffle=False, verbose=0,  # harness: batch order equal in both libraries
)

"""
## Evaluate the model
"""

_, binary_acc = shallow_mlp_model.evaluate(x_test, y_test, verbose=0)
print(f"Categorical accuracy on the test set: {round(binary_acc * 100, 2)}%.")

"""
## Inference
"""

# harness: the example wraps text_vectorizer and the MLP in one Sequential for raw strings
predicted_probabilities = shallow_mlp_model.predict(x_test[:5], verbose=0)
top_3 = []
for i, _ in enumerate(test_texts[:5]):
    label = y_test[i]
    predicted_proba = [proba for proba in predicted_probabilities[i]]
    top_3_labels = [
        x
        for _, x in sorted(
            zip(predicted_probabilities[i], terms_vocab),
            key=lambda pair: pair[0],
            reverse=True,
        )
    ][:3]
    print(f"Label(s): {invert_multi_hot(label)}")
    print(f"Predicted Label(s): ({', '.join([label for label in top_3_labels])})")
    top_3.append(", ".join(top_3_labels))

RESULTS = {
    "built_before_fit": built_before_fit,
    "params": shallow_mlp_model.count_params(),
    "input_shape": list(shallow_mlp_model.layers[0].kernel.shape),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "binary_accuracy": history.history["binary_accuracy"],
    "val_loss": history.history["val_loss"],
    "val_binary_accuracy": history.history["val_binary_accuracy"],
    "binary_acc": binary_acc,
    "predict": predicted_probabilities,
    "top_3": top_3,
    "first_label": ", ".join(invert_multi_hot(y_test[0])),
}
